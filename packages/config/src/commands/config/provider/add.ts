import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import {
  DEFAULT_BASE_URLS,
  PROVIDER_KINDS,
  keyChangeFromFlags,
  type ProviderSummary,
} from '../../../services/providers.js';

export default class ConfigProviderAdd extends ConfigCommand<typeof ConfigProviderAdd> {
  static override summary = 'Add an AI provider: an OpenAI-compatible endpoint or Anthropic.';
  static override description = `Kind openai is any OpenAI-compatible API (OpenAI, Ollama, vLLM, LM Studio, OpenRouter); its --base-url defaults to ${DEFAULT_BASE_URLS.openai}, so give it for any other server. Kind anthropic defaults to ${DEFAULT_BASE_URLS.anthropic}. The API key is either read from an environment variable when it is used (--api-key-env, only the name is kept) or read from standard input and stored encrypted with the installation's secret key (--api-key-stdin). The key is never printed or logged. Needs config:write; --api-key-env also needs config:secrets (the key is a credential of whoever runs the provider, which you may not be able to read).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> openai --kind openai --api-key-env OPENAI_API_KEY',
    '<%= config.bin %> <%= command.id %> ollama --kind openai --base-url http://localhost:11434/v1',
    'printf %s "$ANTHROPIC_API_KEY" | <%= config.bin %> <%= command.id %> claude --kind anthropic --api-key-stdin',
  ];
  static override args = {
    name: Args.string({required: true, description: 'Provider name: lower-case letters, digits and dashes.'}),
  };
  static override flags = {
    kind: Flags.option({
      options: PROVIDER_KINDS,
      required: true,
      description: 'openai (any OpenAI-compatible endpoint) or anthropic.',
    })(),
    'base-url': Flags.string({
      description:
        'The API root (http or https), e.g. http://localhost:11434/v1. Default: the official API of the kind.',
      helpValue: 'URL',
    }),
    'api-key-env': Flags.string({
      description:
        'Read the API key from this environment variable when it is needed (only the name is stored; not with --api-key-stdin).',
      helpValue: 'VAR',
    }),
    'api-key-stdin': Flags.boolean({
      description: 'Read the API key from standard input and store it encrypted (not with --api-key-env).',
    }),
    ...dryRunFlag,
  };
  static override columns = ['name', 'kind', 'baseUrl', 'apiKey'];

  async run(): Promise<ProviderSummary> {
    const key = (await keyChangeFromFlags(this.flags)) ?? {source: 'none' as const};
    const service = await this.providerService();
    const dryRun = this.flags['dry-run'];
    if (dryRun) {
      this.meta.dryRun = true;
      this.notices.push('Dry run: nothing was added.');
    }
    return service.add(
      await this.actor(),
      {name: this.args.name, kind: this.flags.kind, baseUrl: this.flags['base-url'], key},
      {dryRun},
    );
  }
}
