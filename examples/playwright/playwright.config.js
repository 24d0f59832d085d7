// A small Playwright suite for Proctor's adapter: Chromium from Debian (/usr/bin/chromium), no
// browser download, no network. Proctor picks the project per environment (PROCTOR_BROWSER or
// the plan's `project` option) and puts reports and artifacts in a directory of its own.
import { defineConfig } from '@playwright/test';

const launchOptions = {
  executablePath: process.env.PROCTOR_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

export default defineConfig({
  testDir: './tests',
  workers: 1,
  timeout: 10_000,
  reporter: 'list',
  outputDir: './test-results',
  // Video needs an ffmpeg where Playwright looks for its own build (ffmpeg-<revision>/ffmpeg-linux
  // in its registry directory): .ci/run links Debian's there instead of downloading one.
  use: { launchOptions, screenshot: 'only-on-failure', trace: 'retain-on-failure', video: 'retain-on-failure' },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium', viewport: { width: 1280, height: 720 } } },
    { name: 'chromium-mobile', use: { browserName: 'chromium', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  ],
});
