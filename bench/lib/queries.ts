/** The operations the throughput scenarios send, each read the same way through every target. */

/** Served by one subgraph (inventory): the storefront's product list. */
export const PRODUCTS_PAGE = /* GraphQL */ `
  query ProductsPage($first: Int!) {
    products(first: $first) {
      totalCount
      nodes { id sku name description price { cents currencyCode } available inStock }
    }
  }
`;

/**
 * Crosses all four subgraphs: a customer's orders (order) with their customer (order), each
 * line's product (inventory), the payment and its card (payment) and the emails sent (notification).
 * Only fields that no longer change once an order is PAID and its email queued, so every answer of
 * a run is byte-identical and a different one is an error.
 */
export const ORDERS_PAGE = /* GraphQL */ `
  query OrdersPage($first: Int!) {
    orders(first: $first) {
      nodes {
        id
        status
        total { cents currencyCode }
        customer { name email }
        items { quantity unitPrice { cents } product { name sku price { cents } } }
        payment { status amount { cents } method { brand last4 } }
        notifications { channel template }
      }
    }
  }
`;
