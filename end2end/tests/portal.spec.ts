import { expect, test } from "@playwright/test";
import { expectNoSeriousAxeViolations, waitForHydration, watchForErrors } from "./helpers";

test.describe("home page", () => {
  test("renders in Swedish, then in English after switching", async ({ page }) => {
    const errors = watchForErrors(page);
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "sv");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Kohorter, samskapande och styrning");
    await expect(page.getByRole("heading", { name: "Noder (7)" })).toBeVisible();
    await expect(page.locator("#cohort-scapis")).toContainText("SCAPIS");
    await expect(page.locator("#cohort-u-can")).toContainText("U-CAN");

    await page.getByRole("button", { name: /English/ }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Cohorts, co-creation and governance");
    await expect(page.getByRole("heading", { name: "Nodes (7)" })).toBeVisible();
    await expect(page.locator("#node-goteborg")).toContainText("Gothenburg");

    // The choice is remembered by this browser.
    await page.goto("/pages/about");
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("About the cluster");
    expect(errors).toEqual([]);
  });

  test("has no serious or critical accessibility violations in either language", async ({ page, baseURL, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, "axe runs inside the page");
    for (const lang of ["sv", "en"]) {
      await page.context().addCookies([{ name: "portal_lang", value: lang, url: baseURL! }]);
      await page.goto("/");
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expectNoSeriousAxeViolations(page);
    }
  });
});

test.describe("content pages", () => {
  test("render Markdown with tables and anchors, without accessibility violations", async ({ page }) => {
    const errors = watchForErrors(page);
    await page.goto("/pages/co-creation");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Så går urvalet till samskapande till");
    await expect(page.locator("#teknikmognadsnivåer-trl")).toBeVisible();
    await expect(page.getByRole("cell", { name: "Faktiskt system beprövat i driftmiljö" })).toBeVisible();
    await expectNoSeriousAxeViolations(page);
    expect(errors).toEqual([]);
  });

  test("unknown pages answer with a not-found page", async ({ page }) => {
    const response = await page.goto("/pages/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sidan finns inte");
  });
});

test.describe("hydration", () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "needs JavaScript");

  test("the phone menu opens and closes once the page is hydrated", async ({ page }) => {
    const errors = watchForErrors(page);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/");
    await waitForHydration(page);
    const toggle = page.getByRole("button", { name: "Meny" });
    const nav = page.locator("#site-nav");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await expect(nav).toBeHidden();
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    await expect(nav).toBeVisible();
    await toggle.click();
    await expect(nav).toBeHidden();
    expect(errors).toEqual([]);
  });

  test("client-side navigation keeps working and logs no errors", async ({ page }) => {
    const errors = watchForErrors(page);
    await page.goto("/");
    await waitForHydration(page);
    await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Om klustret" }).click();
    await expect(page).toHaveURL(/\/pages\/about$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Om klustret");
    expect(errors).toEqual([]);
  });
});

test.describe("keyboard", () => {
  test("the first Tab reaches the skip link, which moves focus to the content", async ({ page }) => {
    await page.goto("/");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Hoppa till innehållet" });
    await expect(skip).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/#main$/);
  });
});

test.describe("demo sign-in", () => {
  test("an administrator signs in, sees the people list, and signs out", async ({ page }) => {
    const errors = watchForErrors(page);
    await page.goto("/demo-sign-in");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Demoinloggning");
    await page.getByRole("button", { name: /Maria Lund/ }).click();
    // Maria prefers English: signing in brings her language with her.
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.locator(".account__name")).toHaveText("Maria Lund");
    await page.getByRole("link", { name: "People and roles" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("People and roles");
    await expect(page.getByRole("row", { name: /Anna Ekström/ })).toContainText("Access committee member (uppsala)");
    await expectNoSeriousAxeViolations(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    await expect(page.getByRole("link", { name: "People and roles" })).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});
