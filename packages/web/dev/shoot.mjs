// Dev only: screenshots of the app against replay-host.mjs (light and dark), into $OUT_DIR.
import { chromium } from 'playwright-core';

const url = process.argv[2] ?? 'http://127.0.0.1:4321/';
const out = process.env.OUT_DIR ?? '/tmp';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
  for (const scheme of ['light', 'dark']) {
    const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1200, height: 820 } });
    page.on('console', (message) => console.log(`[${scheme}] ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => console.log(`[${scheme}] pageerror: ${error.message}`));
    await page.goto(url);
    await page.getByTestId('composer').fill('Why does the parser test fail?');
    await page.keyboard.press('Enter');
    await page.getByTestId('approve').click();
    await page.waitForSelector('[data-testid="assistant-message"][data-streaming="true"]');
    await page.waitForTimeout(250);
    await page.screenshot({ path: `${out}/app-streaming-${scheme}.png` });
    await page.waitForSelector('[data-testid="assistant-message"][data-streaming="false"]');
    await page.locator('[data-testid="tool-call"] summary').first().click();
    await page.screenshot({ path: `${out}/app-done-${scheme}.png`, fullPage: false });
    console.log(scheme, 'hash', new URL(page.url()).hash, 'status', await page.getByTestId('status-bar').innerText());
    await page.close();
  }
} finally {
  await browser.close();
}
