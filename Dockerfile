# One image for every ocsvc service; the command picks the service:
#   docker run ocsvc agent | ingester | sampler | exporter | all-in-one
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY agent agent
COPY ingester ingester
COPY sampler sampler
COPY exporter exporter
COPY lib lib
COPY bin bin
COPY proto proto
COPY lua lua
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/proto proto
COPY --from=build /app/lua lua
# ./data is where the agent's spool and all-in-one's file backend write by default; a volume
# mounted on /app/data/spool starts with this owner.
RUN mkdir -p /app/data/spool && chown -R node:node /app/data
USER node
# OTLP gRPC/HTTP, health, self-metrics, operator page
EXPOSE 4317 4318 13133 8888 55679
ENTRYPOINT ["node", "--enable-source-maps", "dist/bin/ocsvc.js"]
CMD ["all-in-one"]
