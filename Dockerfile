# Worker, bridge, alert sink and the setup job share one image; docker-compose picks the command.
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
# The postinstall step provisions local binaries for `npm start`; containers use the compose services instead.
RUN npm ci --ignore-scripts
COPY . .
ARG BUILD_ID=unknown
# Small young generation for every service (see limitHeapGrowth in service/service-environment.ts).
# Google clients find Application Default Credentials through the metadata server in production; only the
# local stack, the compose file and the tests turn that lookup off (METADATA_SERVER_DETECTION=none).
ENV BUILD_ID=${BUILD_ID} NODE_OPTIONS=--max-semi-space-size=2
CMD ["node", "--require", "tsx/cjs", "worker/main.ts"]
