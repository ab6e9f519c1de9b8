/** What the API sends and the React app reads. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
  createdAt: string;
}

export interface Stats {
  todos: number;
  views: number;
}
