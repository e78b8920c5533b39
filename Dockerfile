# Gwanje: one image, three roles (GWANJE_ROLE=all|api|worker).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# npm run build is scripts/build-if-stale.js: tsc, then the Lua scripts copied into dist/ (scripts/copy-lua.js).
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# tsc copies no assets: the dashboard's browser files (served from dist/dashboard/public).
COPY --from=build /app/src/dashboard/public ./dist/dashboard/public
COPY package.json ./
COPY bin ./bin
COPY config ./config
COPY playbooks ./playbooks
USER node
EXPOSE 8080 5514/udp 5514/tcp
CMD ["node", "dist/main.js"]
