/** A barrier: closed until opened (its waiters go on) or failed (its waiters throw). */
export class Gate {
  readonly passed: Promise<void>;
  open!: () => void;
  fail!: () => void;

  constructor() {
    this.passed = new Promise((resolve, reject) => {
      this.open = resolve;
      this.fail = () => reject(new Error('gate failed: the batch gives up'));
    });
    this.passed.catch(() => undefined);
  }
}

/** Whether a projection's batch is being written to its rebuild's copies (the rebuild schema comes first on the search path). */
export async function inRebuild(m: { query(sql: string): Promise<{ schema: string }[]> }): Promise<boolean> {
  const [where] = await m.query(`SELECT current_schema() AS schema`);
  return where!.schema.startsWith('rebuild_');
}
