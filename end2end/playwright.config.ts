import { defineConfig } from "@playwright/test";

// Chromium comes from Debian (/usr/bin/chromium); Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    launchOptions: chromium,
    // A Swedish browser: the portal's default audience (English is switched to in tests).
    locale: "sv-SE",
    trace: "off",
  },
  // Every journey runs twice: hydrated, and with JavaScript off (server-rendered HTML and
  // plain forms must work on their own).
  projects: [
    { name: "hydrated", use: { browserName: "chromium", javaScriptEnabled: true } },
    { name: "no-javascript", use: { browserName: "chromium", javaScriptEnabled: false } },
  ],
});
