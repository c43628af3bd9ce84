/** The frontend's version, stamped into every image it builds (replaced at bundle time). */
declare const __IMAGESPEC_VERSION__: string | undefined;

export const VERSION: string = typeof __IMAGESPEC_VERSION__ === "string" ? __IMAGESPEC_VERSION__ : "0.0.0-dev";
