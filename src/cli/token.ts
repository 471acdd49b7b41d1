import { issueToken, TokenRequestError, USAGE } from './issue-token.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
} else {
  issueToken(args, process.env).then(
    ({ token, notice }) => {
      if (notice) process.stderr.write(`${notice}\n`);
      process.stdout.write(`${token}\n`);
    },
    (error: unknown) => {
      if (error instanceof TokenRequestError) {
        process.stderr.write(`${error.message}\n\n${USAGE}\n`);
        process.exit(2);
      }
      process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
