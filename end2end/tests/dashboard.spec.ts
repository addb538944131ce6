import { expect, test, type Page } from "@playwright/test";
import { as, expectNoSeriousAxeViolations, pdfPages, waitForHydration } from "./helpers";

// The steering board's dashboard on the demo's two years of access history: a view
// filtered by link to one node and this year, an access KPI off its target, the records
// behind it, a target set for next year with its reason, the CSV with its filters and a
// suppressed cell; a node coordinator sees only her node, a reviewer is refused.

async function open(page: Page, path: string, js: boolean) {
  const response = await page.goto(path);
  if (js) await waitForHydration(page);
  return response;
}

const year = new Date().getFullYear();

test("the board filters by link, drills down, sets a target and exports", async ({ browser, baseURL, javaScriptEnabled }) => {
  const js = javaScriptEnabled !== false;
  const per = await as(browser, baseURL!, js, "Per Almqvist");
  await open(per, "/dashboard", js);
  await expect(per.getByTestId("section-access")).toBeVisible();
  await expectNoSeriousAxeViolations(per);

  // Uppsala this year, chosen in the form: the view becomes a link.
  await per.getByLabel("Node", { exact: true }).selectOption({ label: "Uppsala" });
  await per.getByLabel("From", { exact: true }).fill(`${year}-01-01`);
  await per.getByLabel("To", { exact: true }).fill(`${year}-12-31`);
  await per.getByRole("button", { name: "Show" }).click();
  await expect(per).toHaveURL(new RegExp(`from=${year}-01-01&to=${year}-12-31&node=\\d+`));
  if (js) await waitForHydration(per);
  const within = per.getByTestId("kpi-decided_within_limit");
  await expect(within.getByTestId("kpi-target")).toContainText(`Target ${year}: at least 90%`);
  await expect(within.getByTestId("kpi-status")).toHaveAttribute("data-status", /off_track|missed/);
  await expect(within.locator("svg[role=img] desc").first()).toContainText(/against a target of at least 90%/);
  // Uppsala decides two or three a month: every month of its trend is under the threshold.
  await expect(within.locator("svg[role=img] desc").nth(1)).toContainText(/months have fewer than 5 records and are not shown/);
  await expect(within.getByTestId("kpi-notes")).toContainText("second handler");
  // The server's snapshot job stored this year's closed months (none yet in January).
  if (new Date().getMonth() > 0) {
    await expect(within.getByTestId("kpi-stored")).toContainText(`as stored when each closed (definition version 1)`);
  }

  // The same link in another board member's browser shows the same figure.
  const link = per.url();
  const shown = await within.getByTestId("kpi-value").textContent();
  const maria = await as(browser, baseURL!, js, "Maria Lund");
  await open(maria, link, js);
  await expect(maria.getByTestId("kpi-decided_within_limit").getByTestId("kpi-value")).toHaveText(shown!);

  // The records behind it: Uppsala's decisions with their clocks, not open to the board.
  await within.getByTestId("kpi-value").click();
  await expect(per).toHaveURL(/\/dashboard\/records\/decided_within_limit\?from=/);
  if (js) await waitForHydration(per);
  const rows = per.getByTestId("drill").locator("tbody tr");
  await expect(rows.first()).toContainText("Uppsala");
  await expect(per.getByTestId("drill")).toContainText("after the limit");
  await expect(per.getByTestId("drill-closed")).toContainText("not open to you");
  await expectNoSeriousAxeViolations(per);
  await per.goBack();
  await expect(per).toHaveURL(/\/dashboard\?from=/);

  // A target for next year, with its reason: it joins the KPI's history.
  if (js) await waitForHydration(per);
  const approval = per.getByTestId("kpi-approval_rate");
  await approval.getByText("Set a target").click();
  const form = approval.getByTestId("target-form");
  await form.getByLabel("Period").selectOption(`${year + 1}`);
  await form.getByLabel("Target value").fill(js ? "80" : "82");
  await form.getByLabel("Owner").fill("Anna Ekström");
  await form.getByLabel("Rationale").fill(`Clearer guidance for applicants (${js ? "hydrated" : "plain"} run).`);
  await form.getByRole("button", { name: "Save the target" }).click();
  await approval.getByText("The targets' history").click();
  await expect(approval.locator(".kpi-card__history")).toContainText(`(${js ? "hydrated" : "plain"} run)`);
  await expect(approval.locator(".kpi-card__history")).toContainText("Per Almqvist");

  // A decision on this year's figure, recorded on the card.
  if (js) await waitForHydration(per);
  await approval.getByText("Record a decision or an action").click();
  const note = approval.getByTestId("note-form");
  await note.getByLabel("What the board decided or will do").fill(`Publish the committees' guidance (${js ? "hydrated" : "plain"} run).`);
  await note.getByRole("button", { name: "Save the note" }).click();
  await expect(approval.getByTestId("kpi-notes")).toContainText(`(${js ? "hydrated" : "plain"} run)`);

  // The CSV of this view: its filters first, small counts as <5.
  const csv = await per.request.get(`/dashboard.csv?${new URL(link).search.slice(1)}`);
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  const lines = text.split(/\r\n/);
  expect(lines[1]).toContain(`Period: ${year}-01-01 – ${year}-12-31`);
  expect(lines[1]).toContain("Node: Uppsala");
  expect(text).toContain("<5");

  // The board pack of the same view: its filters printed, every section, tables open.
  await per.goto(link);
  if (js) await waitForHydration(per);
  await per.getByTestId("dashboard-pack").click();
  await expect(per).toHaveURL(new RegExp(`/dashboard/board-pack\\?from=${year}-01-01`));
  if (js) await waitForHydration(per);
  await expect(per.getByTestId("pack-filters")).toContainText("Uppsala");
  await expect(per.getByTestId("pack-filters")).toContainText(`${year}-01-01 – ${year}-12-31`);
  await expect(per.getByTestId("section-access")).toBeVisible();
  await expect(per.getByTestId("section-access").locator("details.chart__table[open]").first()).toBeVisible();
  await expect(per.getByTestId("target-form")).toHaveCount(0);
  await expectNoSeriousAxeViolations(per);

  // The portal's own PDF of the same view, read back as a PDF reader would.
  await expect(per.getByTestId("pack-pdf")).toHaveAttribute("href", new RegExp(`/dashboard/board-pack\\.pdf\\?from=${year}-01-01`));
  const pdf = await per.request.get((await per.getByTestId("pack-pdf").getAttribute("href"))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()["content-type"]).toBe("application/pdf");
  const pages = await pdfPages(await pdf.body());
  expect(pages[0]).toContain("Uppsala");
  expect(pages[0]).toContain(`${year}-01-01 – ${year}-12-31`);
  const all = pages.join(" ");
  expect(all).toContain("Decided within the limit");
  expect(all).toContain("<5");
  expect(pages.at(-1)).toContain(`page ${pages.length} of ${pages.length}`);
});

test("a coordinator sees her node, a reviewer is refused, and the pages pass axe", async ({ browser, baseURL, javaScriptEnabled }) => {
  const js = javaScriptEnabled !== false;
  const karin = await as(browser, baseURL!, js, "Karin Sjöberg");
  await open(karin, "/dashboard", js);
  await expect(karin.getByTestId("dashboard-scope")).toContainText("Umeå");
  await expect(karin.getByTestId("section-pipeline")).toHaveCount(0);
  await expect(karin.getByTestId("kpi-access_decisions")).toBeVisible();
  await expectNoSeriousAxeViolations(karin);
  const mikael = await as(browser, baseURL!, js, "Mikael Holm");
  const refused = await mikael.goto("/dashboard");
  expect(refused?.status()).toBe(403);
  await expect(mikael.getByRole("link", { name: "KPI dashboard" })).toHaveCount(0);
});

test("the cluster in numbers is public, bilingual and hides small counts", async ({ page, javaScriptEnabled }) => {
  const js = javaScriptEnabled !== false;
  await open(page, "/numbers", js);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/The cluster in numbers|Klustret i siffror/);
  await expect(page.getByTestId("number-access_decisions").locator("dd")).toHaveText(/^\d[\d ,\u00a0]*$/);
  await expect(page.getByTestId("number-median_days").locator("dd")).toHaveText(/^\d/);
  await expectNoSeriousAxeViolations(page);
  await expect(page.getByRole("contentinfo").getByRole("link", { name: /The cluster in numbers|Klustret i siffror/ })).toBeVisible();
});

test("a researcher declares her gender and the board sees only totals", async ({ browser, baseURL, javaScriptEnabled }) => {
  const js = javaScriptEnabled !== false;
  const johanna = await as(browser, baseURL!, js, "Johanna Berg");
  await open(johanna, "/me", js);
  await expect(johanna.getByRole("heading", { name: "Gender (optional)" })).toBeVisible();
  await expect(johanna.getByText(/never shown per person/)).toBeVisible();
  const form = johanna.getByTestId("gender-form");
  await expect(form.getByLabel("Woman", { exact: true })).toBeChecked();
  await form.getByLabel("I prefer not to say").check();
  await form.getByRole("button", { name: "Save my answer" }).click();
  await expect(johanna).toHaveURL(/\/me$/);
  if (js) await waitForHydration(johanna);
  await expect(johanna.getByTestId("gender-form").getByLabel("I prefer not to say")).toBeChecked();
  await expectNoSeriousAxeViolations(johanna);
  // Put back as the demo had it, for the other run.
  await johanna.getByTestId("gender-form").getByLabel("Woman", { exact: true }).check();
  await johanna.getByTestId("gender-form").getByRole("button", { name: "Save my answer" }).click();
  await expect(johanna).toHaveURL(/\/me$/);

  const per = await as(browser, baseURL!, js, "Per Almqvist");
  await open(per, "/dashboard", js);
  const section = per.getByTestId("section-gender");
  await expect(section.getByRole("heading", { name: "Gender balance" })).toBeVisible();
  await expect(section.locator("tr[data-group=applicants] td").first()).toHaveText(/^\d+$/);
  await expect(section.locator("tr[data-group=board]")).toContainText("Fewer than 5 people");
  await expect(section.locator("svg[role=img] desc")).toContainText("Women's share");
});
