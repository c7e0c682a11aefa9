/**
 * How tests and the benchmark launch Debian's Chromium (`apt-get install chromium`) through
 * playwright-core, which downloads no browser: `chromium.launch(CHROMIUM_LAUNCH)`. The flags are
 * the ones that work on these machines (no sandbox as root, no GPU, nothing fetched or updated).
 */
export const CHROMIUM_LAUNCH: { executablePath: string; args: string[] } = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
