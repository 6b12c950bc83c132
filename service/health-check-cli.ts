/**
 * The container health check: exits 0 when this container's service answers `/health` with 200, 1 otherwise.
 * `HEALTH_CHECK_URL` names the endpoint; else the bridge's port when `BRIDGE_HEALTH_PORT` is set, else the worker's.
 */
const port = process.env.BRIDGE_HEALTH_PORT || process.env.WORKER_HEALTH_PORT || '8091';
const url = process.env.HEALTH_CHECK_URL || `http://127.0.0.1:${port}/health`;

fetch(url, { signal: AbortSignal.timeout(4_000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
