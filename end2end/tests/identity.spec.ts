import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousAxeViolations, waitForHydration, watchForErrors } from "./helpers";

// A real OpenID provider (end2end/oidc-provider/server.mjs, started by the test command)
// signs people in; any login name works there.
const providerButton = /Test identity provider/;

async function signInAtProvider(page: Page, login: string) {
  await page.goto("/sign-in");
  await page.getByRole("button", { name: providerButton }).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.fill("input[name=login]", login);
  await page.fill("input[name=password]", "any password");
  await page.click("button[type=submit]");
}

test.describe("sign-in through the identity provider", () => {
  test("a researcher signs in, sees their own name, and signs out at the provider too", async ({ page, baseURL }) => {
    // The provider's own pages are not ours to judge.
    const errors = watchForErrors(page, baseURL);
    await page.context().addCookies([{ name: "portal_lang", value: "en", url: baseURL! }]);
    await signInAtProvider(page, "ingrid-berg");
    await expect(page).toHaveURL(`${baseURL}/`);
    await expect(page.locator(".account__name")).toHaveText("Ingrid Berg Testperson");
    await page.getByRole("link", { name: "My profile" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ingrid Berg Testperson");
    await expect(page.getByText("ingrid-berg@example.org")).toBeVisible();
    await expectNoSeriousAxeViolations(page);

    await page.getByRole("button", { name: "Sign out" }).click();
    // The portal session is over; the provider asks to end its own session as well.
    await expect(page).toHaveURL(/\/session\/end/);
    await page.getByRole("button", { name: "Yes, sign me out" }).click();
    await expect(page).toHaveURL(`${baseURL}/`);
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    const response = await page.goto("/me");
    expect(response?.status()).toBe(401);
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
  });

  test("a replayed callback is refused with a clear page", async ({ page, baseURL }) => {
    await page.context().addCookies([{ name: "portal_lang", value: "en", url: baseURL! }]);
    let callback = "";
    page.on("request", (request) => {
      if (request.url().includes("/auth/oidc/callback")) callback = request.url();
    });
    await signInAtProvider(page, "replay-tester");
    await expect(page.locator(".account__name")).toHaveText("Replay Tester Testperson");
    expect(callback).toContain("code=");

    const response = await page.goto(callback);
    expect(response?.status()).toBe(400);
    await expect(page).toHaveURL(/\/sign-in\?failed=unknown_state$/);
    await expect(page.getByRole("alert")).toContainText("Signing in did not complete.");
    await expect(page.getByRole("alert")).toContainText("already used");
  });

  test("a tampered state is refused with a clear page and signs nobody in", async ({ page, baseURL }) => {
    await page.context().addCookies([{ name: "portal_lang", value: "en", url: baseURL! }]);
    // Alter the state on its way to the provider; the provider hands it back unchanged.
    await page.route((url) => url.pathname === "/auth/oidc/test-idp", async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = new URL(response.headers()["location"]);
      location.searchParams.set("state", `${location.searchParams.get("state")}x`);
      await route.fulfill({ response, headers: { ...response.headers(), location: location.toString() } });
    });
    await signInAtProvider(page, "mallory");
    await expect(page).toHaveURL(/\/sign-in\?failed=unknown_state$/);
    await expect(page.getByTestId("sign-in-failure")).toContainText("altered");
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    await expectNoSeriousAxeViolations(page);
  });
});

test.describe("administration", () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "the token is shown once, by the hydrated page");

  test("an administrator creates an API token, sees it once, and finds both in the audit trail", async ({ page, baseURL }) => {
    const errors = watchForErrors(page);
    await page.goto("/demo-sign-in");
    await page.getByRole("button", { name: /Maria Lund/ }).click();
    await expect(page.locator(".account__name")).toHaveText("Maria Lund");

    await page.goto("/admin/api-tokens");
    await waitForHydration(page);
    await page.getByLabel("Name").fill("Umeå node LIMS");
    const nextMonth = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    await page.getByLabel("Valid until").fill(nextMonth);
    await page.getByRole("button", { name: "Create token" }).click();
    // No scope chosen: the message sits at the field and what was typed stays.
    await expect(page.getByText("Choose at least one scope.")).toBeVisible();
    await expect(page.getByLabel("Name")).toHaveValue("Umeå node LIMS");
    await expect(page.getByLabel("Valid until")).toHaveValue(nextMonth);
    await page.getByLabel(/audit:read/).check();
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token").textContent()) ?? "";
    expect(token).toMatch(/^pnt_[0-9a-f]{64}$/);
    await expect(page.getByTestId("token-table")).toContainText("Umeå node LIMS");

    const api = await page.request.get(`${baseURL}/api/v1/token`, { headers: { Authorization: `Bearer ${token}` } });
    expect(api.status()).toBe(200);
    expect((await api.json()).scopes).toEqual(["audit:read"]);
    await expectNoSeriousAxeViolations(page);

    await page.getByRole("link", { name: "Audit trail" }).click();
    await expect(page.getByTestId("chain-status")).toContainText("The chain holds");
    await page.getByLabel("Action").selectOption("api_token_created");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/action=api_token_created/);
    await expect(page.getByTestId("audit-table")).toContainText("Umeå node LIMS");
    await expectNoSeriousAxeViolations(page);
    // The one 400 is the submission without a scope, refused on purpose above.
    expect(errors.filter((e) => !e.includes("400 (Bad Request)"))).toEqual([]);
  });
});

test.describe("roles", () => {
  test("an administrator grants a scoped role, is told what is missing, and revokes it", async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, "field messages come back to the hydrated form");
    const errors = watchForErrors(page);
    await page.goto("/demo-sign-in");
    await page.getByRole("button", { name: /Maria Lund/ }).click();
    await page.getByRole("link", { name: "People and roles" }).click();
    await page.getByRole("link", { name: "David Okafor" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("David Okafor");
    await waitForHydration(page);

    await page.getByLabel("Role", { exact: true }).selectOption("node_coordinator");
    await page.getByRole("button", { name: "Grant role" }).click();
    await expect(page.getByText("A node coordinator serves a node: choose the node and no cohort.")).toBeVisible();
    await page.getByLabel("Limited to node").selectOption("lund-malmo");
    await page.getByRole("button", { name: "Grant role" }).click();
    const grant = page.locator(".grant-list__item", { hasText: "Node coordinator (lund-malmo)" });
    await expect(grant).toBeVisible();
    await expectNoSeriousAxeViolations(page);

    await grant.getByLabel("Reason for revoking").fill("Test grant");
    await grant.getByRole("button", { name: "Revoke" }).click();
    await expect(page.locator(".grant-list__item", { hasText: "Node coordinator (lund-malmo)" })).toHaveCount(0);
    expect(errors.filter((e) => !e.includes("400 (Bad Request)"))).toEqual([]);
  });
});
