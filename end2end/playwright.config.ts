import { defineConfig } from '@playwright/test';

// The suite runs against the release build (`cargo leptos build --release`), served on its
// own port with a fresh SQLite database, in Debian's Chromium: Playwright never downloads
// a browser here.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const smtpPort = Number(process.env.E2E_SMTP_PORT ?? port + 26);
const smtpHttpPort = smtpPort + 1;
// Journeys read the sink's messages through this address.
process.env.SMTP_SINK_URL = `http://127.0.0.1:${smtpHttpPort}`;

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  },
};

export default defineConfig({
  testDir: '.',
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  // Generous: on a cold, busy 2-core CI machine the longest journeys took over 30 s.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'chromium', testDir: './tests', use: { ...chromium } },
    { name: 'no-javascript', testDir: './tests-nojs', use: { ...chromium, javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: 'node smtp-sink.js',
      url: `http://127.0.0.1:${smtpHttpPort}/health`,
      reuseExistingServer: false,
      env: { SMTP_PORT: String(smtpPort), SMTP_HTTP_PORT: String(smtpHttpPort) },
    },
    {
      command: 'bash end2end/serve.sh',
      cwd: '..',
      url: `${baseURL}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { E2E_PORT: String(port), SMTP_URL: `smtp://127.0.0.1:${smtpPort}` },
    },
  ],
});
