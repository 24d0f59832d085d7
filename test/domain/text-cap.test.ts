import { describe, expect, it } from 'vitest';
import { droppedFromLog, joinLogChunks } from '../../src/domain/text-cap.js';

describe('joining a log’s stored chunks', () => {
  // A log of 30 characters sent, whose characters 10 to 20 were dropped.
  const chunks = [
    { offset: 0, length: 5, data: 'abcde' },
    { offset: 5, length: 5, data: 'fghij' },
    { offset: 20, length: 10, data: 'uvwxyz0123' },
  ];

  it('joins chunks that meet, and marks where they do not with how much was dropped', () => {
    expect(joinLogChunks(chunks, 0)).toBe(`abcdefghij${droppedFromLog(10)}uvwxyz0123`);
  });

  it('starts within a chunk, and tells a reader who stood in the gap what they missed', () => {
    expect(joinLogChunks(chunks.slice(1), 7)).toBe(`hij${droppedFromLog(10)}uvwxyz0123`);
    expect(joinLogChunks(chunks.slice(2), 14)).toBe(`${droppedFromLog(6)}uvwxyz0123`);
    expect(joinLogChunks(chunks.slice(2), 25)).toBe('z0123');
  });

  it('marks nothing in a log kept whole', () => {
    expect(joinLogChunks(chunks.slice(0, 2), 0)).toBe('abcdefghij');
    expect(joinLogChunks([], 12)).toBe('');
  });
});
