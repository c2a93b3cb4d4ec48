import { test, expect, type Page } from '@playwright/test';

// The demo's simulator injects a bad deploy of payments-service about a minute after the backend
// starts; the copilot's detector must open an incident for it, and the entity page's Incidents tab must
// show it. Screenshots of each view are kept in test-results/e2e-artifacts.

const backendUrl = process.env.BACKEND_URL ?? 'http://localhost:7007';

async function signInAsGuest(page: Page) {
  // The frontend dev server is often up before the backend: wait for the backend before signing in.
  await expect
    .poll(
      async () =>
        (
          await page.request
            .get(`${backendUrl}/api/copilot/v1/health`)
            .catch(() => undefined)
        )?.status(),
      { timeout: 180_000, intervals: [1_000] },
    )
    .toBe(200);
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible({ timeout: 120_000 });
  await enter.click();
  await expect(
    page.getByRole('link', { name: 'Catalog', exact: true }).first(),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Copilot', exact: true }).first(),
  ).toBeVisible();
}

test('a guest sees the incident the copilot opened, on the entity Incidents tab', async ({
  page,
}, testInfo) => {
  await signInAsGuest(page);
  await page.screenshot({
    path: testInfo.outputPath('01-home.png'),
    fullPage: true,
  });

  await page.goto('/catalog/default/component/payments-service');
  await expect(
    page.getByRole('heading', { name: 'payments-service' }).first(),
  ).toBeVisible({
    timeout: 120_000,
  });
  await page.screenshot({
    path: testInfo.outputPath('02-entity.png'),
    fullPage: true,
  });

  await page
    .getByRole('navigation', { name: 'Content navigation' })
    .getByRole('link', { name: 'Incidents' })
    .click();
  await expect(page).toHaveURL(/\/incidents$/);
  await expect(
    page.getByRole('heading', { name: 'Incidents' }).first(),
  ).toBeVisible();

  // The tab refreshes itself; the simulated incident appears within a few minutes of start.
  const row = page
    .getByTestId('copilot-incident-row')
    .filter({ hasText: /payments-service/i });
  await expect(row.first()).toBeVisible({ timeout: 6 * 60_000 });
  await expect(row.first()).toContainText(/5xx|error/i);
  await page.screenshot({
    path: testInfo.outputPath('03-entity-incidents.png'),
    fullPage: true,
  });

  // The Reliability tab: payments-service declares SLOs; the simulated traffic gives them an SLI.
  await page
    .getByRole('navigation', { name: 'Content navigation' })
    .getByRole('link', { name: 'Reliability' })
    .click();
  await expect(page).toHaveURL(/\/reliability$/);
  const availability = page
    .getByTestId('copilot-slo')
    .filter({ hasText: /^availability/ });
  await expect(availability).toContainText(/SLI \d+\.\d+%/, {
    timeout: 60_000,
  });
  await expect(availability).toContainText(/error budget (left|overspent)/);
  await page.screenshot({
    path: testInfo.outputPath('04-entity-reliability.png'),
    fullPage: true,
  });

  await page.goto('/copilot');
  await expect(page.getByTestId('copilot-incident-row').first()).toBeVisible();
  await page.screenshot({
    path: testInfo.outputPath('05-copilot-page.png'),
    fullPage: true,
  });
});
