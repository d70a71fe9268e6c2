// CloudWatch Synthetics browser canary (runtime: stacks/checklist.py CANARY_RUNTIME_VERSION, syn-nodejs-puppeteer).
// Loads the app's home page in headless Chromium as one step ("home-page"): its Duration is compared with the
// checklist's "Page load times < 3 seconds" by components/synthetics.py. Shipped as
// nodejs/node_modules/home_page.js in a zip built by the program; its inputs are environment variables:
//   PAGE_URL    https://<app domain>/
//   STEP        the step name the alarms read
//   TIMEOUT_MS  how long the page may take to fire its load event before the step fails
const synthetics = require('Synthetics');
const log = require('SyntheticsLogger');

const homePage = async function () {
  const page = await synthetics.getPage();
  await synthetics.executeStep(process.env.STEP, async function () {
    const response = await page.goto(process.env.PAGE_URL, {
      waitUntil: 'load', timeout: Number(process.env.TIMEOUT_MS),
    });
    if (!response || response.status() < 200 || response.status() > 299) {
      throw new Error(`home page answered ${response ? response.status() : 'nothing'}`);
    }
    log.info(`home page loaded: ${response.status()}`);
  });
};

exports.handler = async () => homePage();
