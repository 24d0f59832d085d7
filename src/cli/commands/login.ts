import type { Command } from 'commander';
import { ME } from '../answer-shape.js';
import { ApiClient } from '../api-client.js';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { writeProfile } from '../profile.js';

/** `proctor login --server URL --token KEY`: checks the key against the server and saves both. */
export function loginCommand(program: Command, out: Output): void {
  program
    .command('login')
    .description(
      'Save a server URL and API key for later commands (used when no flag or PROCTOR_URL / PROCTOR_TOKEN is set)',
    )
    .requiredOption('--server <url>', 'Proctor server URL')
    .requiredOption('--token <key>', 'API key (proctor keys create)')
    .option('--no-verify', 'save without asking the server whether the key works')
    .addHelpText(
      'after',
      `\nThe profile is written to $XDG_CONFIG_HOME/proctor/config.json (else ~/.config/proctor/config.json), readable by you only.\n\nExample:\n  proctor login --server https://proctor.example.com --token pk_…`,
    )
    .action(async (o: { server: string; token: string; verify: boolean }) => {
      try {
        new URL(o.server);
      } catch {
        throw new CliError(`--server "${o.server}": expected a URL like https://proctor.example.com`);
      }
      if (o.verify) {
        const me = await new ApiClient({ url: o.server, token: o.token }).get('/api/v1/me', ME);
        out.line(`Signed in to ${o.server} as ${me.user.name} (key ${me.key.name})`);
      }
      const file = writeProfile(process.env, { server: o.server, token: o.token });
      out.line(
        `Saved to ${file}; proctor commands use it when no --server/--token or PROCTOR_URL/PROCTOR_TOKEN is set`,
      );
    });
}
