import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The browser benchmark (`make bench-browser`, part of `make bench`): the same release
// server and Chromium as the journeys, one worker, numbers printed, nothing asserted.
const chromium = base.projects!.find((p) => p.name === 'chromium')!.use!;

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 300_000,
  reporter: [['list']],
  projects: [{ name: 'bench', testDir: './bench', testMatch: '**/*.bench.ts', use: { ...chromium, trace: 'off', screenshot: 'off' } }],
});
