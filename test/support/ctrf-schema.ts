import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

const STATUS = { enum: ['passed', 'failed', 'skipped', 'pending', 'other'] };
const int = { type: 'integer' };
const str = { type: 'string' };
const strings = { type: 'array', items: str };
const object = { type: 'object' };

/**
 * The CTRF document schema (spec 1.0.0, https://ctrf.io), written from the specification: the
 * parts a report of Proctor can contain, with the spec's required fields and no unknown ones.
 */
export const CTRF_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['reportFormat', 'specVersion', 'results'],
  additionalProperties: false,
  properties: {
    reportFormat: { const: 'CTRF' },
    specVersion: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' },
    reportId: { type: 'string', format: 'uuid' },
    timestamp: { type: 'string', format: 'date-time' },
    generatedBy: str,
    extra: object,
    results: {
      type: 'object',
      required: ['tool', 'summary', 'tests'],
      additionalProperties: false,
      properties: {
        tool: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1 }, version: str, extra: object },
        },
        summary: {
          type: 'object',
          required: ['tests', 'passed', 'failed', 'skipped', 'pending', 'other', 'start', 'stop'],
          additionalProperties: false,
          properties: {
            tests: int,
            passed: int,
            failed: int,
            skipped: int,
            pending: int,
            other: int,
            flaky: int,
            suites: int,
            start: int,
            stop: int,
            duration: int,
            extra: object,
          },
        },
        tests: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'status', 'duration'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1 },
              status: STATUS,
              duration: int,
              start: int,
              stop: int,
              suite: { type: 'array', minItems: 1, items: str },
              message: str,
              trace: str,
              rawStatus: str,
              tags: strings,
              filePath: str,
              retries: int,
              flaky: { type: 'boolean' },
              stdout: strings,
              stderr: strings,
              browser: str,
              attachments: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'contentType', 'path'],
                  properties: { name: str, contentType: str, path: str, extra: object },
                  additionalProperties: false,
                },
              },
              extra: object,
            },
          },
        },
        environment: {
          type: 'object',
          additionalProperties: false,
          properties: {
            reportName: str,
            appName: str,
            appVersion: str,
            buildName: str,
            buildNumber: int,
            buildUrl: str,
            branchName: str,
            commit: str,
            testEnvironment: str,
            osPlatform: str,
            extra: object,
          },
        },
        extra: object,
      },
    },
  },
} as const;

/** Validates a document against CTRF_SCHEMA; returns ajv's errors (empty when valid). */
export function ctrfErrors(document: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const validate = ajv.compile(CTRF_SCHEMA);
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
