// CloudWatch Synthetics API canary (runtime: stacks/checklist.py CANARY_RUNTIME_VERSION, syn-nodejs-puppeteer).
// Calls every health endpoint of the checklist in one run, one step per endpoint: Synthetics publishes each
// step's SuccessPercent and Duration (dimensions CanaryName, StepName), which the alarms of
// components/synthetics.py compare with "API response times < 500ms". Shipped by components/synthetics.py as
// nodejs/node_modules/api_health.js in a zip built by the program; its inputs are environment variables:
//   BASE_URL  https://<app domain>
//   STEPS     JSON list of {"step": <step name>, "path": <endpoint path>}
//   TIMEOUT_MS  the budget of one request (the step fails past it)
const synthetics = require('Synthetics');
const log = require('SyntheticsLogger');

const base = new URL(process.env.BASE_URL);
const steps = JSON.parse(process.env.STEPS);
const timeout = Number(process.env.TIMEOUT_MS);

// A health endpoint answers 2xx when healthy and 5xx when its dependency is down (docs/metrics-contract.md).
const validate = async function (res) {
  return new Promise((resolve, reject) => {
    if (res.statusCode < 200 || res.statusCode > 299) {
      reject(new Error(`${res.statusCode} ${res.statusMessage}`));
    }
    res.on('data', () => {});
    res.on('end', () => resolve());
  });
};

const apiHealth = async function () {
  // No request or response bodies, headers or query strings in the artifacts: they may carry tokens.
  synthetics.getConfiguration().setConfig({
    includeRequestHeaders: false, includeResponseHeaders: false, includeRequestBody: false,
    includeResponseBody: false, restrictedHeaders: ['authorization', 'cookie', 'set-cookie'],
  });
  for (const { step, path } of steps) {
    const request = {
      hostname: base.hostname, port: 443, protocol: 'https:', method: 'GET', path, timeout,
      headers: { 'User-Agent': synthetics.getCanaryUserAgentString() },
    };
    log.info(`GET ${path}`);
    await synthetics.executeHttpStep(step, request, validate, { continueOnHttpStepFailure: true });
  }
};

exports.handler = async () => apiHealth();
