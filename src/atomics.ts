/** Atomics.waitAsync (Node 20) is missing from the ES2022 lib typings. */
export type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
    timeout?: number,
  ): WaitAsyncResult;
}

/** Waits, without blocking the thread, until `array[index]` != `value`. */
export function waitAsync(
  array: Int32Array,
  index: number,
  value: number,
  timeout?: number,
): WaitAsyncResult {
  return (Atomics as unknown as AtomicsWaitAsync).waitAsync(
    array,
    index,
    value,
    timeout,
  );
}
