import { expect, test, type Page } from "@playwright/test";
import { as, expectNoSeriousAxeViolations, waitForHydration, watchForErrors } from "./helpers";

// The co-creation journey with everyone who takes part, each in their own browser: Maria
// opens a call; Nordbiotix claims TRL 4 and is told why it is ineligible; Cellvia's TRL 6
// proposal is screened, reviewed by three reviewers assigned by the suggestion (Eva, who
// declared a conflict, cannot open it even by its address), selected by the board, released
// with the call's decisions, and Cellvia reads its consensus report.

async function open(page: Page, path: string, js: boolean) {
  await page.goto(path);
  if (js) await waitForHydration(page);
}

/** Stockholm's wall-clock time, `minutes` from now, as a datetime-local value. */
function stockholm(minutes: number): string {
  const parts = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Europe/Stockholm",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(Date.now() + minutes * 60_000));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
}

async function fillProposal(page: Page, trl: string) {
  await page.getByLabel("Summary").fill("A host-response test that tells sepsis within an hour.");
  await page.getByLabel("Technology description").fill("Targeted RNA panel on a cartridge reader.");
  await page.getByLabel("Technology readiness level (TRL)").selectOption(trl);
  await page.getByLabel("Evidence for the TRL").fill("Validated on 400 biobank samples.");
  await page.getByLabel("Disease area").fill("Sepsis");
  await page.getByLabel("Patient group").fill("Adults at the emergency department");
  await page.getByLabel("Unmet need").fill("Hours lost before antibiotics.");
  await page.getByLabel("Evidence of healthcare pull").fill("Emergency physicians at two hospitals ask for it.");
  await page.getByLabel("Scientific evidence").fill("Two published cohorts, AUC 0.91.");
  await page.getByLabel("Potential applications").fill("Emergency departments and ICUs.");
  await page.getByLabel("Uppsala").check();
  await page.getByLabel("Samples").check();
  await page.getByLabel("Budget and co-funding per party").fill("Company; 1 200 000; 300 000\nUppsala node; 0; 500 000");
  await page.getByLabel("IVDR/MDR class").selectOption("ivdr_c");
  await page.getByLabel("AI Act risk class").selectOption("high");
  await page.getByLabel("Regulatory pathway").fill("IVDR class C with a notified body.");
  await page.getByLabel("Background IP").fill("A patent application on the panel.");
  await page.getByLabel("Milestones").fill("Clinical study month 6; CE mark month 24.");
  await page.getByLabel(/may be named/).check();
}

async function startProposal(page: Page, js: boolean, callPath: string, company: string, title: string): Promise<string> {
  await open(page, callPath, js);
  await page.getByLabel("Company").selectOption({ label: company });
  await page.locator("#propose-title").fill(title);
  await page.getByTestId("start-proposal").click();
  await expect(page).toHaveURL(/\/proposals\/\d+/);
  if (js) await waitForHydration(page);
  return page.url().match(/\/proposals\/(\d+)/)![1];
}

test("a company's TRL 6 proposal is screened, reviewed by three, selected and reported; a TRL 4 one is told why not", async ({
  browser,
  baseURL,
  javaScriptEnabled,
}) => {
  test.setTimeout(300_000);
  const js = javaScriptEnabled !== false;
  const run = js ? "hydrated" : "no JavaScript";

  // Maria opens a call that closes tomorrow.
  const maria = await as(browser, baseURL!, js, "Maria Lund");
  const errors = watchForErrors(maria);
  await open(maria, "/calls/new", js);
  await maria.getByLabel("Title (Swedish)").fill(`Sepsis 2027 (${run})`);
  await maria.getByLabel("Title (English)").fill(`Sepsis diagnostics 2027 (${run})`);
  await maria.locator("#call-body_en").fill("Find **sepsis** earlier.");
  // First closing before it opens: refused at the field, with or without JavaScript, and
  // everything typed is still there.
  await maria.getByLabel("Opens").fill(stockholm(24 * 60));
  await maria.getByLabel("Closes").fill(stockholm(-60));
  await maria.getByLabel(/^Published/).check();
  const before = errors.length;
  await maria.getByTestId("save-call").click();
  await expect(maria.locator("#call-closes-error")).toHaveText("The call must close after it opens.");
  // The refusal is a 400, which the browser logs as a failed resource; nothing else may be.
  const refused = errors.splice(before);
  expect(refused.every((e) => e.includes("status of 400"))).toBe(true);
  await expect(maria.getByLabel("Title (English)")).toHaveValue(`Sepsis diagnostics 2027 (${run})`);
  await expect(maria.locator("#call-body_en")).toHaveValue("Find **sepsis** earlier.");
  await expect(maria.getByLabel(/^Published/)).toBeChecked();
  if (js) await waitForHydration(maria);
  await maria.getByLabel("Opens").fill(stockholm(-60));
  await maria.getByLabel("Closes").fill(stockholm(24 * 60));
  await expect(maria.locator("#criteria-0-name_en")).toHaveValue("Clinical need and patient benefit");
  await maria.getByTestId("save-call").click();
  await expect(maria).toHaveURL(/\/calls\/sepsis-diagnostics-2027/);
  const callPath = new URL(maria.url()).pathname;
  await expect(maria.getByTestId("call-phase")).toHaveText("Open");
  await expectNoSeriousAxeViolations(maria);

  // Nordbiotix claims TRL 4: everything filled in, and told in plain words why it is ineligible.
  const emma = await as(browser, baseURL!, js, "Emma Novak");
  const low = await startProposal(emma, js, callPath, "Nordbiotix AB (fictional)", `Lab assay (${run})`);
  await fillProposal(emma, "4");
  await emma.getByTestId("submit-proposal").click();
  await expect(emma.getByTestId("proposal-state")).toHaveText("Not eligible");
  await expect(emma.getByTestId("ineligible-reason")).toContainText("claims TRL 4, below this call's range of TRL 5–9");

  // Cellvia's TRL 6 proposal: a missing part is named at its field, then it goes in.
  const oskar = await as(browser, baseURL!, js, "Oskar Wik");
  const id = await startProposal(oskar, js, callPath, "Cellvia Diagnostics AB (fictional)", `Sepsis in an hour (${run})`);
  await fillProposal(oskar, "6");
  await oskar.getByLabel("Unmet need").fill("");
  await oskar.getByTestId("submit-proposal").click();
  await expect(oskar.locator("#proposal-unmet_need-error")).toHaveText("Fill this in.");
  await expect(oskar.getByTestId("form-problems")).toContainText("Unmet need");
  if (js) await waitForHydration(oskar);
  await expect(oskar.getByLabel("Disease area")).toHaveValue("Sepsis");
  await oskar.getByLabel("Unmet need").fill("Hours lost before antibiotics.");
  await oskar.getByTestId("submit-proposal").click();
  await expect(oskar.getByTestId("proposal-state")).toHaveText("Submitted, awaiting screening");
  await expectNoSeriousAxeViolations(oskar);

  // Screening, then Eva declares a conflict with Cellvia and the suggestion assigns three others.
  await open(maria, `/proposals/${id}`, js);
  await maria.getByTestId("screen-eligible").click();
  await expect(maria.getByTestId("proposal-state")).toHaveText("In review");
  const eva = await as(browser, baseURL!, js, "Eva Lindgren");
  await open(eva, "/reviewing", js);
  const declare = eva.getByRole("row", { name: /Cellvia/ }).getByRole("button", { name: "Declare conflict" });
  if ((await declare.count()) > 0) {
    await eva.getByRole("row", { name: /Cellvia/ }).getByRole("combobox").selectOption("financial");
    await declare.click();
  }
  await expect(eva.getByRole("row", { name: /Cellvia/ })).toContainText("Financial interest");
  await open(maria, `${callPath}/panel`, js);
  const assignedNow = js ? maria.waitForResponse((r) => r.url().includes("manage_call") && r.status() === 200) : null;
  await maria.getByTestId("suggest-assignment").click();
  await assignedNow;
  await open(maria, `/proposals/${id}`, js);
  const assigned = maria.getByTestId("assigned-reviewers");
  for (const name of ["Mikael Holm", "Johanna Berg", "Ali Hassan"]) await expect(assigned).toContainText(name);
  await expect(assigned).not.toContainText("Eva Lindgren");
  const response = await eva.goto(`/proposals/${id}`);
  expect(response!.status()).toBe(403);
  await expect(eva.locator("main")).not.toContainText("Sepsis in an hour");

  // Three reviews.
  const scores: Record<string, string[]> = {
    "Mikael Holm": ["4.5", "4.5", "4", "3.5", "4"],
    "Johanna Berg": ["5", "4", "4", "4", "4"],
    "Ali Hassan": ["2.5", "4", "3.5", "4", "3"],
  };
  for (const [name, values] of Object.entries(scores)) {
    const reviewer = await as(browser, baseURL!, js, name);
    await open(reviewer, "/reviewing", js);
    await reviewer.getByRole("link", { name: `Sepsis in an hour (${run})` }).click();
    if (js) await waitForHydration(reviewer);
    for (const [n, code] of ["clinical_need", "scientific_evidence", "technology_maturity", "applications_uptake", "implementation_fit"].entries()) {
      await reviewer.locator(`#score-${code}`).selectOption(values[n]);
      await reviewer.locator(`#comment-${code}`).fill(`Scored ${values[n]}: reasons for ${code}.`);
    }
    await reviewer.getByLabel("Your assessment of the TRL").selectOption("6");
    await reviewer.getByLabel("High").check();
    await reviewer.getByTestId("submit-review").click();
    await expect(reviewer.locator("#review")).toContainText("Submitted (version 1)");
    await reviewer.context().close();
  }

  // The board selects it.
  const per = await as(browser, baseURL!, js, "Per Almqvist");
  await open(per, `${callPath}/panel`, js);
  await expect(per.getByTestId(`panel-row-${id}`)).toContainText("4.5");
  await expect(per.getByTestId(`panel-row-${id}`).getByTestId("disagreement")).toBeVisible();
  await expectNoSeriousAxeViolations(per);
  await open(per, `/proposals/${id}`, js);
  await per.getByLabel("Selected", { exact: true }).check();
  await per.getByLabel("Rationale").fill("Strong clinical pull and a clear path to IVDR.");
  await per.getByLabel("Consensus report for the company").fill("The need is well documented; validation beyond two sites is the main risk.");
  await per.getByTestId("record-decision").click();
  await expect(per.getByTestId("recorded-decision")).toContainText("Selected");

  // The call closes; Maria releases every decision together.
  await open(maria, `${callPath}/edit`, js);
  await maria.getByLabel("Closes").fill(stockholm(-1));
  await maria.getByTestId("save-call").click();
  await expect(maria).toHaveURL(new RegExp(`${callPath}$`));
  await open(maria, `${callPath}/panel`, js);
  await maria.getByTestId("release-decisions").click();
  await expect(maria.getByTestId("release-blockers")).toContainText("The decisions have been released.");

  // Cellvia reads its decision and consensus report; nobody's name is in it.
  await open(oskar, `/proposals/${id}`, js);
  await expect(oskar.getByTestId("proposal-state")).toHaveText("Selected");
  const report = oskar.getByTestId("consensus-report");
  await expect(report).toContainText("Strong clinical pull");
  await expect(report).toContainText("validation beyond two sites");
  await expect(report).toContainText("Clinical need and patient benefit: 4.5 / 5");
  await expect(report).toContainText("reasons for clinical_need");
  await expect(report).not.toContainText("Mikael Holm");
  await expectNoSeriousAxeViolations(oskar);

  // The public page of the closed call shows the numbers and the method.
  const visitor = await browser.newPage({ javaScriptEnabled: js, locale: "en-GB" });
  await visitor.context().addCookies([{ name: "portal_lang", value: "en", url: baseURL! }]);
  await visitor.goto(callPath);
  await expect(visitor.getByTestId("received")).toHaveText("2");
  await expect(visitor.getByTestId("eligible")).toHaveText("1");
  await expect(visitor.getByTestId("selected")).toHaveText("1");
  await expect(visitor.getByTestId("named-projects")).toContainText(`Sepsis in an hour (${run})`);
  await expect(visitor.getByTestId("criteria")).toContainText("Clinical need and patient benefit");
  await expectNoSeriousAxeViolations(visitor);
  expect(errors).toEqual([]);
});
