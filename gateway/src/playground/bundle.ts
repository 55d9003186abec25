import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The playground's script and stylesheet, built from the installed packages. */
export interface PlaygroundAssets {
  js: Buffer;
  css: Buffer;
}

const ENTRY = fileURLToPath(new URL('./client/main.tsx', import.meta.url));

/**
 * Bundles GraphiQL, React and the entry in ./client with esbuild, in memory: nothing is written to
 * disk and nothing is fetched, so the playground works on a network without internet and always
 * matches the packages installed. Fonts and icons are inlined by GraphiQL's own stylesheet.
 */
export async function buildPlaygroundAssets(): Promise<PlaygroundAssets> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    // Names the two outputs; with write: false nothing lands there.
    outdir: 'playground',
    entryNames: 'app',
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    // React and graphql read it to drop their development checks.
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild produced ${result.outputFiles.map((f) => f.path).join(', ')}; expected app.js and app.css.`);
  return { js: Buffer.from(js.contents), css: Buffer.from(css.contents) };
}
