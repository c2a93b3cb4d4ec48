import { defineConfig } from '@playwright/test';
import { resolve } from 'node:path';

// End-to-end tests start the demo exactly as the README's command (a) does (scripts/demo.sh, without
// the install step that command (b) has already run) and drive Debian's Chromium: the browser download of
// `playwright install` is not needed.
const root = resolve(__dirname, '..');
const appUrl = process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000';

export default defineConfig({
  testDir: resolve(__dirname, 'tests'),
  timeout: 8 * 60_000,
  expect: { timeout: 30_000 },
  retries: 0,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [
    ['list'],
    ['json', { outputFile: resolve(root, 'test-results/e2e.json') }],
    [
      'html',
      { open: 'never', outputFolder: resolve(root, 'test-results/e2e-report') },
    ],
  ],
  outputDir: resolve(root, 'test-results/e2e-artifacts'),
  webServer: process.env.PLAYWRIGHT_URL
    ? undefined
    : {
        command: 'bash scripts/demo.sh --no-install',
        cwd: root,
        url: appUrl,
        timeout: 8 * 60_000,
        reuseExistingServer: !process.env.CI,
        stdout: 'pipe',
        stderr: 'pipe',
        gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
      },
  use: {
    baseURL: appUrl,
    screenshot: 'on',
    actionTimeout: 60_000,
    navigationTimeout: 120_000,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
});
