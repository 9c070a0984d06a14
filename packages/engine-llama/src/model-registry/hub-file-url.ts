/** Where the Hugging Face hub lives unless HF_ENDPOINT or an option says otherwise. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** The hub base URL: the option, else `HF_ENDPOINT`, else https://huggingface.co; no trailing slash. */
export function hubEndpoint(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const fromEnv = env['HF_ENDPOINT'];
  const endpoint = option ?? (fromEnv === undefined || fromEnv === '' ? DEFAULT_HUB_ENDPOINT : fromEnv);
  return endpoint.replace(/\/+$/, '');
}

/** `<endpoint>/<repo>/resolve/<revision>/<file>`, each path segment escaped. */
export function hubFileUrl(endpoint: string, repo: string, file: string, revision = 'main'): string {
  const escape = (path: string): string => path.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${escape(repo)}/resolve/${encodeURIComponent(revision)}/${escape(file)}`;
}
