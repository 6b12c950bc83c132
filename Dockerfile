# Worker, bridge, alert sink and the setup job share one image; docker-compose picks the command.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
# The postinstall step provisions local binaries for `npm start`; containers use the compose services instead.
RUN npm ci --ignore-scripts
COPY . .
ARG BUILD_ID=unknown
ENV BUILD_ID=${BUILD_ID} METADATA_SERVER_DETECTION=none
CMD ["node", "--require", "tsx/cjs", "worker/main.ts"]
