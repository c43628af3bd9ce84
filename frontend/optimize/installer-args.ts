/**
 * Which installer options a layer laid out package by package can honour, and which of them
 * each package's own install needs. Pure.
 *
 * The resolve step runs the layer's whole command line; each package is then installed alone
 * from an exact pin, so it needs only the options that decide where and how that one file is
 * fetched and built. Options that change what "installed" means (targets, editable, reinstall…)
 * cannot be split that way: such a layer is installed in one step, as without optimize.
 */

/** Options that take a value, and whether a package's own install needs them too. */
const WITH_VALUE: Record<string, boolean> = {
  "-i": true,
  "--index-url": true,
  "--extra-index-url": true,
  "-f": true,
  "--find-links": true,
  "--trusted-host": true,
  "--only-binary": true,
  "--no-binary": true,
  "--config-settings": true,
  "-C": true,
  "--timeout": true,
  "--retries": true,
  "--proxy": true,
  "--cert": true,
  "--client-cert": true,
  "--keyring-provider": true,
  "--index-strategy": true,
  "--prerelease": true,
  "--progress-bar": false,
  "-c": false,
  "--constraint": false,
  "--resolution": false,
  "--upgrade-strategy": false,
};

/** Flags, and whether a package's own install needs them too. */
const FLAGS: Record<string, boolean> = {
  "--pre": true,
  "--prefer-binary": true,
  "--no-build-isolation": true,
  "--no-index": true,
  "--use-pep517": true,
  "--no-cache-dir": true,
  "--no-cache": true,
  "--compile": true,
  "--no-compile": true,
  "--compile-bytecode": true,
  "--no-deps": false,
  "-q": false,
  "--quiet": false,
  "-v": false,
  "--verbose": false,
  "-U": false,
  "--upgrade": false,
};

export interface SplitArgs {
  /** Why the layer cannot be laid out package by package, if it cannot. */
  unsupported?: string;
  /** What each package's own install needs. */
  perPackage: string[];
}

/**
 * `args` are the layer's installer options (index options, pre-release flag and extra_args,
 * already split into words). `hasEarlierPins`: an earlier layer installed packages, which the
 * resolve step pins, so an upgrade flag could not upgrade them.
 */
export function splitInstallerArgs(args: readonly string[], hasEarlierPins: boolean): SplitArgs {
  const perPackage: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (name in WITH_VALUE) {
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) return { unsupported: `${name} has no value`, perPackage: [] };
      if (WITH_VALUE[name]) perPackage.push(name, value);
      continue;
    }
    if (name in FLAGS && eq < 0) {
      if ((name === "-U" || name === "--upgrade") && hasEarlierPins) {
        return { unsupported: `${name} could change packages an earlier layer installed`, perPackage: [] };
      }
      if (FLAGS[name]) perPackage.push(name);
      continue;
    }
    return { unsupported: `the option ${name} cannot be honoured package by package`, perPackage: [] };
  }
  return { perPackage };
}
