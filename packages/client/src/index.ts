// Typed Responses API client over WebSocket (preferred) and HTTP+SSE.
