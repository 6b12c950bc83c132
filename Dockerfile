# Worker and bridge run from one image, built from the deployable (`npm run package`): compiled JavaScript,
# production dependencies only, the workflow bundle built once, a non-root user. The command picks the
# service: `node --require ./worker/workflow-stack-traces.js worker/main.js` (default) or `node bridge/main.js`.
#   docker build --build-arg BUILD_ID=$(git rev-parse HEAD) -t phase-orchestrator .

FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The postinstall step provisions the local stack's binaries; an image never needs them.
RUN npm ci --ignore-scripts
COPY . .
RUN npx tsx release/package.ts --out /deployable

# Local tooling for the compose topology only (resource setup job, alert sink): from source, with tsx.
FROM build AS local-tools
CMD ["node", "--require", "tsx/cjs", "local-stack/alert-sink-cli.ts"]

FROM node:22-slim AS service
WORKDIR /app
COPY --from=build --chown=node:node /deployable ./
# The build id (the git commit) is what /health reports and what drift detection compares: required.
ARG BUILD_ID
RUN test -n "$BUILD_ID" || { echo "BUILD_ID is required: docker build --build-arg BUILD_ID=\$(git rev-parse HEAD) ." >&2; exit 1; }
# Small young generation for every service (see limitHeapGrowth in service/service-environment.ts). Google
# clients find Application Default Credentials through the metadata server: nothing here turns that off.
# glibc: two arenas and fixed 128 KB mmap and trim thresholds (SERVICE_MALLOC_ENV in local-stack/service-process.ts).
ENV BUILD_ID=${BUILD_ID} NODE_ENV=production NODE_OPTIONS=--max-semi-space-size=1 MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
USER node
# /health answers 200 only while every dependency is healthy (the bridge's container sets BRIDGE_HEALTH_PORT).
# The worker's preload turns off the workflow threads' per-promise stack capture (worker/workflow-stack-traces.ts).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "service/health-check-cli.js"]
CMD ["node", "--require", "./worker/workflow-stack-traces.js", "worker/main.js"]
