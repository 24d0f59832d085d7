import { expect, test } from '@playwright/test';

test.describe.configure({ retries: 1 });

// Fails on the first attempt and passes on the retry: Playwright calls it flaky.
test('passes on the retry', async ({}, testInfo) => {
  expect(testInfo.retry, 'first attempt fails on purpose').toBeGreaterThan(0);
});
