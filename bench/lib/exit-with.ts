/**
 * Ends a benchmark script with `main`'s exit code: 0 when every target is met, 1 when one is not;
 * 2, with the error printed, when the benchmark could not run (what bench/run.ts reads of a child).
 */
export function exitWith(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
