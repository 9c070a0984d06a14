// The coding agent (issue 4): tools, policy, context and sessions. Built up piece by piece.
export {};
