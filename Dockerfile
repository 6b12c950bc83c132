# Worker, bridge, alert sink and the setup job share one image; docker-compose picks the command.
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
# The postinstall step provisions local binaries for `npm start`; containers use the compose services instead.
RUN npm ci --ignore-scripts
COPY . .
ARG BUILD_ID=unknown
# Small young generation for every service (see limitHeapGrowth in service/service-environment.ts).
ENV BUILD_ID=${BUILD_ID} METADATA_SERVER_DETECTION=none NODE_OPTIONS=--max-semi-space-size=2
CMD ["node", "--require", "tsx/cjs", "worker/main.ts"]
