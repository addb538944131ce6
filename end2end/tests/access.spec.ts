import { expect, test, type Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { as, expectNoSeriousAxeViolations, waitForHydration, watchForErrors } from "./helpers";

// The cohort access journey with everyone who takes part, each in their own browser:
// Sara applies for SCAPIS (decided at Uppsala) and U-CAN (decided at Umeå) with David,
// Umeå asks a question, Sara answers, a reviewer with a conflict is shut out, and each
// node decides on its own cohort.

// A real one-page PDF: uploads are parsed by a PDF library.
const PDF = fs.readFileSync(path.join(__dirname, "../../server/tests/fixtures/decision.pdf"));

function isoDate(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * 24 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Waits for the page to be interactive where JavaScript runs. */
async function ready(page: Page, javaScriptEnabled: boolean) {
  if (javaScriptEnabled) await waitForHydration(page);
}

async function openApplication(page: Page, id: string, javaScriptEnabled: boolean) {
  await page.goto(`/applications/${id}`);
  await ready(page, javaScriptEnabled);
}

test("a researcher applies for cohorts at two nodes; one returns it, both decide, the researcher sees each decision", async ({
  browser,
  baseURL,
  javaScriptEnabled,
}) => {
  test.setTimeout(240_000);
  test.info().annotations.push({ type: "actors", description: "Sara, David, Karin, Anna, Mikael" });
  const js = javaScriptEnabled !== false;
  const title = `Plaque and proteins (${js ? "hydrated" : "no JavaScript"})`;
  const sara = await as(browser, baseURL!, js, "Sara Lindqvist");
  const errors = watchForErrors(sara);

  // The basket: two cohorts from the catalogue, decided at two nodes.
  for (const slug of ["scapis", "u-can"]) {
    await sara.goto(`/datasets/${slug}`);
    await ready(sara, js);
    const add = sara.getByTestId("add-to-basket");
    // A cohort left in the basket by an earlier run is simply there already.
    if ((await add.count()) > 0) await add.click();
    await expect(sara.getByTestId("basket-control")).toContainText("in your application basket");
  }
  await sara.getByTestId("basket-link").click();
  await expect(sara.getByTestId("basket")).toContainText("Decided by the Uppsala node");
  await expect(sara.getByTestId("basket")).toContainText("Decided by the Umeå node");
  await expectNoSeriousAxeViolations(sara);
  await ready(sara, js);
  await sara.getByLabel("Title").fill(title);
  await sara.getByTestId("start-application").click();
  await expect(sara).toHaveURL(/\/applications\/\d+$/);
  const id = sara.url().match(/\/applications\/(\d+)/)![1];
  await ready(sara, js);

  // The form: saved as typed (with JavaScript) or with the button (without).
  await sara.getByLabel("Summary in plain language").fill("Why some arteries narrow, and what proteins tell us.");
  await sara.getByLabel("Scientific abstract").fill("Plasma proteomics against coronary CT angiography plaque burden.");
  await sara.getByRole("radio", { name: "Health, medical or biomedical research" }).check();
  await sara.getByLabel("Publication plan").fill("Open access articles and a public summary.");
  await sara.getByLabel("Data categories and variables requested").fill("CCTA, plasma proteins, questionnaires");
  await sara.getByLabel("Selection criteria").fill("All participants with CCTA");
  await sara.getByRole("radio", { name: "Pseudonymised" }).check();
  await sara.getByLabel("Why in that form").fill("Linkage needs a key held at the node.");
  await sara.getByLabel("Access needed from").fill(isoDate(30));
  await sara.getByLabel("Access needed until").fill(isoDate(3 * 365));
  await sara.getByLabel("Where the data will be processed").fill("SciLifeLab secure computing, Sweden");
  await sara.getByLabel("Safeguards").fill("Two-factor access, logging, no export.");
  await sara.getByLabel("Ethical Review Authority reference number").fill("2025-01234-01");
  const lastField = sara.getByLabel("Date of the ethics decision");
  if (js) {
    const saved = sara.waitForResponse((r) => r.url().includes("save_application") && r.status() === 200);
    await lastField.fill("2025-11-02");
    await lastField.blur();
    await saved;
    await expect(sara.getByTestId("save-status")).toContainText("Draft saved");
  } else {
    await lastField.fill("2025-11-02");
    await sara.getByTestId("save-draft").click();
  }
  await expect(sara.getByTestId("form-progress")).toContainText("of 4 sections complete");

  // The ethics decision, as a PDF; something else is refused at the field.
  await sara.locator("#ethics-file").setInputFiles({ name: "photo.pdf", mimeType: "application/pdf", buffer: Buffer.from("GIF89a") });
  await sara.getByTestId("upload-ethics").click();
  await expect(sara.locator("#form-ethics_decision_attachment-error")).toContainText("not a PDF");
  await sara.locator("#ethics-file").setInputFiles({ name: "etikbeslut.pdf", mimeType: "application/pdf", buffer: PDF });
  await sara.getByTestId("upload-ethics").click();
  await expect(sara.getByTestId("ethics-attachment")).toContainText("etikbeslut.pdf");
  await ready(sara, js);
  // Typed text survived the upload's round trip.
  await expect(sara.getByLabel("Safeguards")).toHaveValue("Two-factor access, logging, no export.");

  // The consent check before submitting.
  await expect(sara.getByTestId("duo-SCAPIS")).toContainText("Needs review by the committee");
  await expect(sara.getByTestId("duo-U-CAN")).toContainText("Not compatible");

  // The team: David is invited and accepts the terms; Sara accepts hers.
  await sara.getByLabel("Invite a team member by e-mail").fill("david.okafor@example.org");
  await sara.getByTestId("invite").click();
  await expect(sara.getByTestId("invitations")).toContainText("david.okafor@example.org");
  for (const cohort of ["SCAPIS", "U-CAN"]) {
    await sara.getByRole("button", { name: `I accept the terms of ${cohort}` }).click();
    await expect(sara.getByRole("button", { name: `I accept the terms of ${cohort}` })).toHaveCount(0);
  }
  await expectNoSeriousAxeViolations(sara);

  const david = await as(browser, baseURL!, js, "David Okafor");
  await david.getByRole("link", { name: "Mail (demo)" }).click();
  await expect(david.getByTestId("outbox-demo-notice")).toBeVisible();
  const invitation = david.locator(".outbox__message", { hasText: title }).first();
  await invitation.locator("a[href*='/invitations/']").click();
  await ready(david, js);
  await david.getByTestId("join-team").click();
  await expect(david).toHaveURL(new RegExp(`/applications/${id}`));
  await ready(david, js);
  for (const cohort of ["SCAPIS", "U-CAN"]) {
    await david.getByRole("button", { name: `I accept the terms of ${cohort}` }).click();
    await expect(david.getByRole("button", { name: `I accept the terms of ${cohort}` })).toHaveCount(0);
  }

  // Sara submits: each node's committee gets its part, with a deadline.
  await openApplication(sara, id, js);
  await sara.getByTestId("submit-application").click();
  await expect(sara.getByTestId("application-state")).toHaveText("Submitted");
  await expect(sara.getByTestId("part-u-can").getByTestId("part-deadline")).toContainText("days left");

  // Umeå returns it with a question.
  const karin = await as(browser, baseURL!, js, "Karin Sjöberg");
  await karin.getByRole("link", { name: "Committee queue" }).click();
  await karin.getByLabel("Node").selectOption("umea");
  await karin.getByRole("button", { name: "Show" }).click();
  await karin.getByTestId("committee-queue").locator(`a[href^="/applications/${id}#"]`).click();
  await ready(karin, js);
  const umea = karin.getByTestId("handling-umea");
  await expect(karin.getByTestId("part-scapis")).toHaveCount(0);
  await umea.getByText("Return for changes").click();
  await umea.getByLabel("Questions for the applicant").fill("Which registers will you link, and why?");
  await umea.getByTestId("return-for-changes").click();
  await expect(karin.getByTestId("part-u-can").getByTestId("part-state")).toHaveText("Returned for changes");
  await expectNoSeriousAxeViolations(karin);

  // Sara answers, changes the form and resubmits; the clock stood still meanwhile.
  await openApplication(sara, id, js);
  await expect(sara.getByTestId("application-state")).toHaveText("Returned for changes");
  await expect(sara.getByTestId("remarks")).toContainText("Which registers will you link, and why?");
  await expect(sara.getByTestId("part-u-can").getByTestId("part-deadline")).toContainText("paused");
  await sara.getByLabel("Answer the Umeå node").fill("The Swedish Cancer Register, for outcomes.");
  await sara.getByTestId("answer-umea-send").click();
  await expect(sara.getByTestId("remarks")).toContainText("The Swedish Cancer Register, for outcomes.");
  await ready(sara, js);
  await sara.getByLabel("Linkage to registers or samples").fill("The Swedish Cancer Register");
  await sara.getByTestId("submit-application").click();
  await expect(sara.getByTestId("application-state")).toHaveText("Submitted");

  // A reviewer asked by Uppsala declares a conflict and can no longer open it, even by URL.
  const anna = await as(browser, baseURL!, js, "Anna Ekström");
  await openApplication(anna, id, js);
  const uppsala = anna.getByTestId("handling-uppsala");
  await uppsala.getByLabel("Ask a reviewer for advice").selectOption({ label: "Mikael Holm" });
  await uppsala.getByTestId("invite-reviewer").click();
  await expect(uppsala.getByTestId("reviewers")).toContainText("Mikael Holm");
  const mikael = await as(browser, baseURL!, js, "Mikael Holm");
  await mikael.getByRole("link", { name: "Requests for advice" }).click();
  await mikael.getByTestId("review-requests").locator(`a[href="/reviews/${id}/uppsala"]`).click();
  await expect(mikael.getByTestId("review-team")).toContainText("David Okafor");
  await ready(mikael, js);
  await mikael.getByRole("radio", { name: "I have a conflict of interest" }).check();
  await mikael.getByLabel("What the conflict is (optional)").fill("David Okafor is my co-author.");
  await mikael.getByTestId("declare").click();
  await expect(mikael.getByTestId("declared-conflict")).toBeVisible();
  const refused = await mikael.goto(`/applications/${id}`);
  expect(refused?.status()).toBe(403);

  // Umeå sees what changed, votes and rejects with a reason.
  await openApplication(karin, id, js);
  await expect(karin.getByTestId("changed-summary")).toContainText("Linkage to registers or samples");
  await expect(karin.getByTestId("changed-linkage")).toBeVisible();
  await umea.getByTestId("assign-handler").click();
  await expect(karin.getByTestId("part-u-can")).toContainText("Under review");
  await umea.getByRole("radio", { name: "Reject" }).check();
  await umea.getByTestId("cast-vote").click();
  await expect(umea.getByTestId("tally")).toContainText("carry rejection");
  await umea.getByLabel("Reasons").fill("The purpose is not cancer research, which U-CAN's consent requires.");
  await umea.getByTestId("reject").click();
  await expect(karin.getByTestId("part-u-can").getByTestId("part-state")).toHaveText("Rejected");

  // Uppsala votes and approves until a date.
  const endsOn = isoDate(365);
  await openApplication(anna, id, js);
  await uppsala.getByTestId("assign-handler").click();
  await expect(anna.getByTestId("part-scapis")).toContainText("Under review");
  await uppsala.getByRole("radio", { name: "Approve" }).check();
  await uppsala.getByTestId("cast-vote").click();
  await expect(uppsala.getByTestId("tally")).toContainText("carry approval");
  await uppsala.getByLabel("Access until").fill(endsOn);
  await uppsala.getByLabel("Conditions").fill("Cite SCAPIS in every publication.");
  await uppsala.getByTestId("approve").click();
  await expect(anna.getByTestId("part-scapis").getByTestId("part-state")).toHaveText("Approved: access active");
  await expectNoSeriousAxeViolations(anna);

  // The researcher sees both decisions and when access ends.
  await openApplication(sara, id, js);
  await expect(sara.getByTestId("application-state")).toHaveText("Decided");
  await expect(sara.getByTestId("part-scapis").getByTestId("access-ends-on")).toHaveText(endsOn);
  await expect(sara.getByTestId("part-u-can").getByTestId("decision-reasons")).toContainText("not cancer research");
  await expect(sara.getByTestId("timeline")).toContainText("SCAPIS approved");
  await expect(sara.getByTestId("timeline")).not.toContainText("Vote on");
  await expectNoSeriousAxeViolations(sara);
  expect(errors).toEqual([]);
});
