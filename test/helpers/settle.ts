/** One turn of the event loop: what an actor's next step, or a deferred delivery, waits for. */
export const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** A few turns of the event loop: enough for actors, their invoked steps and the runner to settle. */
export const settle = async (turns = 5): Promise<void> => {
  for (let i = 0; i < turns; i += 1) await flush();
};
