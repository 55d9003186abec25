/** A tab's editors, as GraphiQL's `defaultTabs` takes them. */
export interface ExampleTab {
  query: string;
  variables?: string;
  headers?: string;
}

/**
 * The tabs a fresh playground opens with: the admin tasks people come to it for. GraphiQL keeps
 * edited tabs in the browser's storage, so these only seed a first visit (or a cleared one).
 */
const AUTH_HINT = `# Needs an admin's token: run LogIn, then set
# this tab's Headers (below) to
#   { "Authorization": "Bearer <token>" }`;

const logIn: ExampleTab = {
  query: `# Log in, then copy the token into the other
# tabs' Headers:
#   { "Authorization": "Bearer <token>" }
# The variables hold the development admin
# (ADMIN_EMAIL / ADMIN_PASSWORD).
mutation LogIn($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token
    customer { id name email role }
  }
}
`,
  variables: JSON.stringify({ email: 'admin@example.com', password: 'admin-password' }, null, 2),
};

const listOrders: ExampleTab = {
  query: `${AUTH_HINT}
query ListOrders($status: OrderStatus, $after: String) {
  orders(first: 20, status: $status, after: $after) {
    totalCount
    nodes {
      id
      status
      placedAt
      total { amount currencyCode }
      customer { email name }
      items { quantity product { name } lineTotal { amount } }
      payment { status attempts }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`,
  variables: JSON.stringify({ status: 'PAID' }, null, 2),
};

const shipOrder: ExampleTab = {
  query: `${AUTH_HINT}
# Ships a PAID order (an id from ListOrders).
mutation ShipOrder($id: ID!, $trackingNumber: String!) {
  shipOrder(id: $id, trackingNumber: $trackingNumber) {
    id
    status
    trackingNumber
    statusHistory { status at }
  }
}
`,
  variables: JSON.stringify({ id: '', trackingNumber: 'TRACK-0001' }, null, 2),
};

const followOrder: ExampleTab = {
  query: `${AUTH_HINT}
# Over graphql-ws: the order's current state,
# then every change until you stop it.
subscription FollowOrder($orderId: ID!) {
  orderStatusChanged(orderId: $orderId) {
    id
    status
    statusVersion
    failureReason
    trackingNumber
    payment { status }
  }
}
`,
  variables: JSON.stringify({ orderId: '' }, null, 2),
};

const allOrderUpdates: ExampleTab = {
  query: `${AUTH_HINT}
# Every order's changes as they happen (admin).
subscription AllOrderUpdates {
  orderUpdates {
    id
    status
    statusVersion
    customer { email }
    total { amount }
  }
}
`,
};

export const exampleTabs: ExampleTab[] = [logIn, listOrders, shipOrder, followOrder, allOrderUpdates];
