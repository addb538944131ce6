import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousAxeViolations, watchForErrors } from "./helpers";

async function signInAs(page: Page, name: string) {
  await page.goto("/demo-sign-in");
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await expect(page.locator(".account__name")).toHaveText(name);
}

async function harvest(page: Page, node: string) {
  await page.goto(`/nodes/${node}`);
  await page.getByTestId("harvest-now").click();
  await expect(page.getByTestId("harvest-runs").locator("tbody tr").first()).not.toContainText(/Running|Pågår/);
}

test.describe("catalogue", () => {
  test("an administrator harvests the demo catalogues; the broken one shows its error", async ({ page }) => {
    const errors = watchForErrors(page);
    await signInAs(page, "Maria Lund");
    await harvest(page, "uppsala");
    await expect(page.getByTestId("harvest-runs").locator("tbody tr").first()).toContainText("Succeeded");
    await expect(page.getByTestId("demo-catalogue")).toBeVisible();
    await expect(page.getByRole("heading", { name: /Cohorts and datasets held here/ })).toBeVisible();
    await expect(page.locator(".dataset-list")).toContainText("cardiovascular imaging");

    await harvest(page, "orebro");
    const latest = page.getByTestId("harvest-runs").locator("tbody tr").first();
    await expect(latest).toContainText("Failed");
    await expect(latest.getByTestId("run-error")).toContainText("page-2.ttl");
    await expectNoSeriousAxeViolations(page);
    // A failed harvest is a result shown on the page, not an error in the console.
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);
  });

  test("search for cardio, narrow by node and DUO code, open a dataset and its node catalogue entry", async ({ page, javaScriptEnabled }) => {
    const errors = watchForErrors(page);
    await signInAs(page, "Maria Lund");
    await harvest(page, "uppsala");

    await page.goto("/catalogue");
    await page.getByLabel("Search cohorts and datasets").fill("cardio");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page).toHaveURL(/q=cardio/);
    const count = page.getByTestId("result-count");
    await expect(count).toContainText("cohorts and datasets");
    const all = parseInt((await count.textContent())!.replace(/\D/g, ""), 10);
    expect(all).toBeGreaterThanOrEqual(3);

    await page.locator('a[data-facet="node"][data-value="uppsala"]').click();
    await expect(page).toHaveURL(/node=uppsala/);
    await expect(page.locator('a[data-facet="node"][data-value="uppsala"]')).toHaveClass(/facet__value--on/);
    await page.locator('a[data-facet="duo"][data-value="HMB"]').click();
    await expect(page).toHaveURL(/duo=HMB/);
    await expect(page).toHaveURL(/q=cardio/);
    // The results of the new URL are in once its filter shows as chosen.
    await expect(page.locator('a[data-facet="duo"][data-value="HMB"]')).toHaveClass(/facet__value--on/);
    const narrowed = parseInt((await count.textContent())!.replace(/\D/g, ""), 10);
    expect(narrowed).toBeLessThan(all);
    expect(narrowed).toBeGreaterThanOrEqual(1);
    await expectNoSeriousAxeViolations(page);

    await page.getByRole("link", { name: /cardiovascular imaging/ }).click();
    await expect(page).toHaveURL(/\/datasets\/uppsala-scapis-uppsala-imaging/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("cardiovascular imaging");
    await expect(page.getByTestId("dataset-nodes")).toContainText("Uppsala");
    await expect(page.getByTestId("dataset-origin")).toContainText("Harvested from the Uppsala node's catalogue");
    const back = page.getByTestId("node-catalogue-link");
    await expect(back).toHaveAttribute("href", /\/demo-catalogues\/uppsala\/datasets\/scapis-uppsala-imaging$/);
    await expect(page.getByTestId("apply-for-access")).toBeVisible();
    await expectNoSeriousAxeViolations(page);

    // The back button returns to the same narrowed search.
    await page.goBack();
    await expect(page).toHaveURL(/q=cardio.*node=uppsala.*duo=HMB|q=cardio.*duo=HMB.*node=uppsala/);
    await expect(count).toHaveText(new RegExp(`^${narrowed}`));

    // The node the dataset is held at, and the entry in the node's own (demo) catalogue.
    await page.goForward();
    await page.getByTestId("dataset-nodes").getByRole("link", { name: "Uppsala" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Uppsala");
    await page.goBack();
    await page.getByTestId("node-catalogue-link").click();
    await expect(page.locator("body")).toContainText("Demo node catalogue: fictional.");
    if (javaScriptEnabled) expect(errors).toEqual([]);
  });

  test("a coordinator edits their own node; a wrong address keeps what was typed", async ({ page, javaScriptEnabled }) => {
    const errors = watchForErrors(page);
    await signInAs(page, "Karin Sjöberg");
    await page.goto("/nodes/uppsala");
    await expect(page.getByRole("link", { name: /Redigera noden|Edit node/ })).toHaveCount(0);
    await page.goto("/nodes/umea");
    await page.getByRole("link", { name: /Redigera noden|Edit node/ }).click();
    const contact = page.locator("#node-contact_name");
    await contact.fill("Karin Sjöberg (demo)");
    if (javaScriptEnabled) {
      // The message appears beside the field and nothing typed is lost.
      await page.locator("#node-contact_email").fill("not-an-address");
      await page.locator("form.form button[type=submit]").click();
      await expect(page.locator("#node-contact_email-error")).toBeVisible();
      await expect(contact).toHaveValue("Karin Sjöberg (demo)");
    }
    await page.locator("#node-contact_email").fill("umea.node@example.org");
    await page.locator("form.form button[type=submit]").click();
    if (javaScriptEnabled) await expect(page.locator("[role=status]")).toBeVisible();

    // The node's access committee rules sit on the same page; the chair is one of its people.
    await page.goto("/nodes/umea/edit");
    await page.locator("#rules-chair").selectOption({ label: "Karin Sjöberg" });
    await page.getByTestId("save-rules").click();
    if (javaScriptEnabled) await expect(page.locator(".node-rules [role=status]")).toBeVisible();
    await page.goto("/nodes/umea/edit");
    await expect(page.locator("#rules-chair option:checked")).toHaveText("Karin Sjöberg");
    await expectNoSeriousAxeViolations(page);
    await page.goto("/nodes/umea");
    await expect(page.locator(".node-page")).toContainText("Karin Sjöberg (demo)");
    await expectNoSeriousAxeViolations(page);
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);
  });
});
