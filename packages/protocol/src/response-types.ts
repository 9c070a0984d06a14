/** Wire types of the Responses API objects Spark produces (see shared/spec/responses-api.md §1.5). */

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface RefusalPart {
  type: 'refusal';
  refusal: string;
}

export interface OutputMessageItem {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'assistant';
  content: Array<OutputTextPart | RefusalPart>;
  phase?: 'commentary' | 'final_answer';
}

export interface FunctionCallOutputItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
  /** Set when the tool was declared inside a `namespace` tool (Codex echoes it back). */
  namespace?: string;
}

export interface CustomToolCallOutputItem {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  input: string;
  status: ItemStatus;
  /** Set when the tool was declared inside a `namespace` tool (Codex echoes it back). */
  namespace?: string;
}

/** Raw reasoning text inside a reasoning item (what local thinking models produce). */
export interface ReasoningTextPart {
  type: 'reasoning_text';
  text: string;
}

export interface ReasoningOutputItem {
  type: 'reasoning';
  id: string;
  status: ItemStatus;
  summary: Array<{ type: 'summary_text'; text: string }>;
  content?: ReasoningTextPart[];
  encrypted_content?: string | null;
}

export type OutputItem = OutputMessageItem | FunctionCallOutputItem | CustomToolCallOutputItem | ReasoningOutputItem;

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: {
    reasoning_tokens: number;
    /** Output tokens drafted from the request's `prediction` that verification accepted. */
    accepted_prediction_tokens: number;
    /** Tokens drafted from the `prediction` that verification rejected (computed, then discarded). */
    rejected_prediction_tokens: number;
  };
  total_tokens: number;
}

export interface ResponseError {
  code: string;
  message: string;
}

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  completed_at: number | null;
  status: ResponseStatus;
  model: string;
  previous_response_id: string | null;
  store: boolean;
  instructions: string | null;
  metadata: Record<string, string>;
  error: ResponseError | null;
  incomplete_details: { reason: string } | null;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  truncation: 'auto' | 'disabled';
  parallel_tool_calls: boolean;
  tool_choice: unknown;
  tools: unknown[];
  reasoning: { effort: string | null; summary: string | null };
  text: { format: unknown; verbosity?: string };
  prompt_cache_key: string | null;
  service_tier: string | null;
  output: OutputItem[];
  usage: Usage | null;
}
