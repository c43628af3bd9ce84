/**
 * A BuildKit client for Node: addresses, connections, a gateway Solve with its session and
 * Status stream, registry auth and tag lookups. The `imagespec-build` CLI uses only this.
 * @packageDocumentation
 */

// Connecting.
export { parseAddress, formatAddress, tlsFromDir, AddressError, type BuildkitAddress, type Endpoint, type TlsFiles } from "./address.js";
export { connectBuilder, connectFirst, engineCanPush, type Builder } from "./builder.js";
export { HashRing } from "./ring.js";

// Building.
export { runBuild, runDefinition, type BuildOptions, type DefinitionBuildOptions, type SessionBuildOptions } from "./build.js";
export type { CacheEntry, ExportEntry, SolveOptions } from "./solve-request.js";
export { Session, type SessionOptions } from "./session/session.js";
export type { LocalDir } from "./session/services.js";
export type { WorkerRecord } from "./control.js";
export { secretStore, type SecretSource, type SecretStore } from "./secrets.js";

// The build context as it is sent.
export { makeFilter, PathFilter, type FilterOptions } from "./filesync/filter.js";
export { contextDigest } from "./context-digest.js";
export { parseDockerignore } from "../../common/src/context/dockerignore.js";

// Registries.
export { dockerConfigAuth, registryAuth, noAuth, AUTH_TYPES, type AuthType, type RegistryAuth } from "./auth/provider.js";
export type { Credentials } from "./auth/docker-config.js";
export { tagDigest, RepositoryReader, RegistryError, type RegistryClientOptions } from "./registry.js";
export { attachedSboms, type AttachedSbom } from "./sbom.js";

// Progress and errors.
export { livePrinter } from "./progress/live.js";
export { plainPrinter, quietPrinter, type ProgressPrinter } from "./progress/plain.js";
export { describeError } from "./errors.js";
export { GrpcError, Status } from "../../common/src/wire/grpc-status.js";
