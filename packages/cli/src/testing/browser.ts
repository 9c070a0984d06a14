import { access } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, which `.ci/run` installs; playwright-core drives it (no browser download). */
export const CHROMIUM_PATH = process.env['SPARK_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * A headless Chromium for the app's browser tests. Its own sandbox needs user namespaces that
 * CI containers (and root) often lack, so it runs with `--no-sandbox`: it only loads the app
 * from 127.0.0.1.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM_PATH);
  } catch {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's chromium (.ci/run does) or set SPARK_TEST_CHROMIUM.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
