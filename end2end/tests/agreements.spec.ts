import { expect, test, type Page } from "@playwright/test";
import { as, expectNoSeriousAxeViolations, waitForHydration } from "./helpers";

// Collaboration agreements, with the demo's three: each person's list (filters in the
// URL), the board's summary, a draft that cannot go to review yet and says why at the
// form, and the out-for-signature agreement signed in the order its rules ask (demo
// confirmations) until it is in force. The hydrated run signs the first two signatures,
// the run without JavaScript the last; whichever runs first, the other finds the rest.

const WAITING = "Snabbtest för troponin i primärvården (demo)";
const ACTIVE = "Tidig upptäckt av sepsis på akuten (demo)";
const DRAFT = "Bildanalys av cellprover med Umeås plattform (demo)";

async function open(page: Page, path: string, js: boolean) {
  await page.goto(path);
  if (js) await waitForHydration(page);
}

async function openAgreement(page: Page, title: string, js: boolean) {
  await open(page, "/agreements", js);
  await page.getByRole("link", { name: title }).click();
  await expect(page).toHaveURL(/\/agreements\/\d+$/);
  if (js) await waitForHydration(page);
}

test("each person's agreements, the board's summary, and a refusal said at the form", async ({
  browser,
  baseURL,
  javaScriptEnabled,
}) => {
  const js = javaScriptEnabled !== false;
  const maria = await as(browser, baseURL!, js, "Maria Lund");
  await open(maria, "/agreements", js);
  const rows = maria.getByTestId("agreements").locator("tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText(ACTIVE);
  await expect(rows.first()).toContainText("Overdue");
  await expectNoSeriousAxeViolations(maria);
  // The filters are a link: the same view for anyone who opens it, with or without JS.
  await maria.getByLabel("Overdue only").check();
  await maria.getByRole("button", { name: "Show" }).click();
  await expect(maria).toHaveURL(/overdue=1/);
  await expect(rows).toHaveCount(1);
  await maria.goBack();
  await expect(rows).toHaveCount(3);

  // The draft lacks Umeå's signatory: sending it to review is refused at the form.
  await openAgreement(maria, DRAFT, js);
  await expect(maria.getByTestId("agreement-state")).toHaveText("Draft");
  await maria.getByTestId("send-for-internal-review").click();
  await expect(maria.locator("#review-error")).toHaveText("The version lacks something it needs before it is sent.");
  await expectNoSeriousAxeViolations(maria);

  // The board reads a summary, never the text.
  const per = await as(browser, baseURL!, js, "Per Almqvist");
  await openAgreement(per, ACTIVE, js);
  await expect(per.getByText(/You see a summary/)).toBeVisible();
  await expect(per.getByTestId("agreement-text")).toHaveCount(0);
  await expect(per.getByTestId("milestones")).toContainText("Overdue");

  // A reviewer has no agreements, and one by its address is refused.
  const mikael = await as(browser, baseURL!, js, "Mikael Holm");
  await open(mikael, "/agreements", js);
  await expect(mikael.getByTestId("agreements-none")).toBeVisible();
  const href = await maria.url();
  const refused = await mikael.goto(href);
  expect(refused?.status()).toBe(403);
});

test("signatures in the rules' order until the agreement is in force", async ({ browser, baseURL, javaScriptEnabled }) => {
  const js = javaScriptEnabled !== false;
  // Who signs, in order, and in what capacity.
  const order: [string, RegExp][] = [
    ["David Okafor", /undertaking to Lund University/],
    ["Emma Novak", /Nordbiotix/],
    ["Helena Vik", /Lund University/],
  ];
  const share = js ? order.slice(0, 2) : order;
  for (const [name, capacity] of share) {
    const page = await as(browser, baseURL!, js, name);
    await openAgreement(page, WAITING, js);
    const button = page.getByRole("button", { name: capacity });
    if ((await button.count()) === 0) continue; // signed in the other run already
    await expect(page.getByTestId("demo-signature")).toContainText("Demo");
    await button.click();
    await expect(page.getByTestId("signatures")).toContainText(name);
  }
  if (!js) {
    const emma = await as(browser, baseURL!, js, "Emma Novak");
    await openAgreement(emma, WAITING, js);
    await expect(emma.getByTestId("agreement-state")).toHaveText("Active");
    await expect(emma.getByTestId("signatures")).toContainText("Demo confirmation");
    await expectNoSeriousAxeViolations(emma);
    // The public verification page recognises the signed version and not a changed one.
    const hash = (await emma.getByTestId("version-hash").textContent())!.replace(/\s/g, "");
    await open(emma, `/agreements/verify?hash=${hash}`, js);
    await expect(emma.getByTestId("verify-result")).toContainText("Version 1 of a signed agreement");
    await expect(emma.getByTestId("verify-result")).toContainText("Helena Vik");
    await expectNoSeriousAxeViolations(emma);
    const changed = (hash[0] === "0" ? "1" : "0") + hash.slice(1);
    await emma.getByLabel("Checksum (SHA-256)").fill(changed);
    await emma.getByRole("button", { name: "Verify" }).click();
    await expect(emma.getByTestId("verify-result")).toContainText("No signed agreement version");
  }
});
