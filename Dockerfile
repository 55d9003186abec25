# syntax=docker/dockerfile:1
# One image for every service; the container's command chooses which one runs, e.g.
#   node --import tsx gateway/src/main.ts · node --import tsx subgraphs/order/src/main.ts · npm run migrate
# TypeScript runs through tsx, as it does outside containers: no emit step, so paths that modules
# resolve from their own location (schema/, migrations) are the same here as in the repository.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# npm 11 enforces package.json's `allowScripts` (only the listed packages may run install scripts);
# the npm bundled with Node 20 ignores that field and would run every dependency's scripts.
ARG NPM_VERSION=11.19.1
RUN npm install --global --no-audit --no-fund "npm@${NPM_VERSION}"
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
# The gate for the image: the runtime stage copies its sources from here, so BuildKit cannot skip it.
RUN npm run typecheck

FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Owned by root and read-only to the service user: a compromised service cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/tsconfig.json /app/supergraph.yaml ./
COPY --from=build /app/schema ./schema
COPY --from=build /app/lib ./lib
COPY --from=build /app/gateway ./gateway
COPY --from=build /app/subgraphs ./subgraphs
COPY --from=build /app/scripts ./scripts
# `node` (uid 1000) comes with the base image; its home takes npm's logs when `npm run migrate` runs.
USER node
EXPOSE 4000 4001 4002 4003 4004
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
