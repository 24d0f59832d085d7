import { expect, test } from '@playwright/test';

const PAGE = new URL('../page.html', import.meta.url).href;

test.beforeEach(async ({ page }) => {
  await page.goto(PAGE);
});

test.describe('greeting page', () => {
  test('shows the greeting', async ({ page }) => {
    await expect(page.locator('#greeting')).toHaveText('Hello, Proctor');
  });

  test('counts clicks', async ({ page }) => {
    await page.locator('#count').click();
    await page.locator('#count').click();
    await expect(page.locator('#count')).toHaveText('clicked 2 times');
  });

  // Fails on purpose: the page has no footer. Playwright keeps a screenshot and a trace of it.
  test('shows the footer', async ({ page }) => {
    await expect(page.locator('footer')).toHaveText('© Proctor', { timeout: 500 });
  });

  test.skip('switches to dark mode', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
  });
});
