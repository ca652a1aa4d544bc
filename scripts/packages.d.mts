// Types of packages.mjs, for the consumer test (test/consumer) and editors.
export declare const root: string;
export interface WorkspacePackage {
  name: string;
  version: string;
  /** Relative to the repository root, e.g. `packages/client`. */
  dir: string;
  /** Absolute. */
  path: string;
  manifest: Record<string, any>;
  /** The other workspace packages it depends on (dependencies and peer dependencies). */
  internal: string[];
}
export declare function publishablePackages(): WorkspacePackage[];
/** `npm pack` of every publishable package into `destination`; tarball paths by package name. */
export declare function packTarballs(destination: string): Record<string, string>;
