/**
 * An image's SBOM facts from what was read from it (file texts) and its plan. Pure: the gateway
 * reads the files (see `imageFiles`), this module only interprets them.
 */
import type { ImageSpec } from "../imagespec/model.js";
import type { Plan } from "../plan/plan.js";
import { parseDistMetadata } from "./dist-metadata.js";
import { debianArch, parseDpkgStatus, requestedDebs } from "./dpkg-status.js";
import { pythonDists } from "./python-facts.js";
import type { SbomFacts } from "./spdx.js";

export const DPKG_STATUS = "/var/lib/dpkg/status";
export const OS_RELEASE = ["/etc/os-release", "/usr/lib/os-release"] as const;

/** What the gateway reads from the built filesystem. */
export interface ImageTexts {
  /** dpkg's status file, when the image has one. */
  dpkgStatus?: string;
  /** The METADATA of every `.dist-info` in the environment's site-packages. */
  metadata: readonly string[];
  osRelease?: string;
}

/** Which files to read: the site-packages to list (when the plan has a Python environment), and whether apt facts are needed. */
export function imageFiles(plan: Plan, spec: ImageSpec): { sitePackages?: string; apt: boolean } {
  const inst = plan.installer;
  return {
    ...(inst ? { sitePackages: `${inst.venv}/lib/python${inst.python}/site-packages` } : {}),
    apt: aptRequests(spec).length > 0,
  };
}

function aptRequests(spec: ImageSpec): string[] {
  return spec.layers.flatMap((l) => (l.kind === "apt_packages" ? l.packages : []));
}

/** `VERSION_ID` of an os-release file that says the system is Debian. */
export function debianVersionOf(osRelease: string | undefined): string | undefined {
  if (!osRelease) return undefined;
  const fields = new Map(
    osRelease.split("\n").flatMap((l) => {
      const m = /^([A-Z_]+)=(.*)$/.exec(l.trim());
      return m ? [[m[1]!, m[2]!.replace(/^["']|["']$/g, "")] as const] : [];
    }),
  );
  return fields.get("ID") === "debian" ? fields.get("VERSION_ID") : undefined;
}

export interface FactsInput {
  plan: Plan;
  spec: ImageSpec;
  specDigest: string;
  specFilename: string;
  /** `linux/amd64`… and the OCI architecture/variant (for dpkg's native arch). */
  platform: { id: string; architecture: string; variant?: string };
  texts: ImageTexts;
  created: string;
  tool: string;
}

export function sbomFactsOf(i: FactsInput): SbomFacts {
  const { plan, texts } = i;
  const requests = aptRequests(i.spec);
  const debs = requestedDebs(texts.dpkgStatus ? parseDpkgStatus(texts.dpkgStatus) : [], requests, debianArch(i.platform.architecture, i.platform.variant));
  const installed = texts.metadata.flatMap((t) => parseDistMetadata(t) ?? []);
  const debian = requests.length > 0 ? debianVersionOf(texts.osRelease) : undefined;
  return {
    spec: { digest: i.specDigest, filename: i.specFilename },
    platform: i.platform.id,
    baseImage: plan.base.ref,
    ...(plan.installer ? { python: { venv: plan.installer.venv, dists: pythonDists(installed, plan.pinned) } } : {}),
    debs: debs.found,
    ...(debs.unknown.length > 0 ? { unknownDebs: debs.unknown } : {}),
    ...(debian ? { debianVersion: debian } : {}),
    created: i.created,
    tool: i.tool,
  };
}
