// Debian's Chromium, driven by playwright-core; no browser is ever downloaded.
import { chromium } from 'playwright-core';

export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const args = [
  '--headless',
  '--no-sandbox', // tests often run as root, where Chromium's sandbox refuses to start
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // No traffic of the browser's own: the only server a test talks to is ours.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// launch() gives the browser a fresh temporary --user-data-dir of its own and
// deletes it on close; it rejects one passed in `args` (that is what
// launchPersistentContext is for, which would allow only one shared context).
export function launchBrowser() {
  return chromium.launch({ executablePath, args, headless: true });
}
