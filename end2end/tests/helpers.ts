import { expect, test, type Browser, type Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

// Tests run from end2end/, where npm installed axe-core.
const axePath = path.resolve("node_modules/axe-core/axe.min.js");

/** Collects console errors (from pages under `onlyFrom`, if given) and uncaught exceptions. */
export function watchForErrors(page: Page, onlyFrom?: string): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (onlyFrom && !message.location().url.startsWith(onlyFrom)) return;
    errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

export async function waitForHydration(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** axe runs inside the page, so only where JavaScript is on; the HTML is the same. */
export async function expectNoSeriousAxeViolations(page: Page) {
  if (test.info().project.use.javaScriptEnabled === false) return;
  // The portal's Content-Security-Policy admits only scripts with its nonce: add axe as one.
  const axeSource = fs.readFileSync(axePath, "utf8");
  await page.evaluate((source) => {
    const script = document.createElement("script");
    script.nonce = (document.querySelector("script[nonce]") as HTMLScriptElement | null)?.nonce ?? "";
    script.textContent = source;
    document.head.appendChild(script);
  }, axeSource);
  const violations = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical")
      .map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
      }));
  });
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

/** A person signed in (demo sign-in) in a browser of their own, reading English. */
export async function as(browser: Browser, baseURL: string, javaScriptEnabled: boolean, name: string): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled, locale: "en-GB" });
  await context.addCookies([{ name: "portal_lang", value: "en", url: baseURL }]);
  const page = await context.newPage();
  await page.goto("/demo-sign-in");
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await expect(page.locator(".account__name")).toHaveText(name);
  // Signing in brings the person's own language; these journeys read English.
  await context.addCookies([{ name: "portal_lang", value: "en", url: baseURL }]);
  await page.goto("/");
  return page;
}

/** The text of each page of a PDF, as a PDF reader (pdf.js, Firefox's) extracts it. */
export async function pdfPages(bytes: Buffer): Promise<string[]> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const document = await pdfjs.getDocument({ data: new Uint8Array(bytes), disableFontFace: true }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ("str" in item ? item.str : "")).join(" "));
  }
  return pages;
}
