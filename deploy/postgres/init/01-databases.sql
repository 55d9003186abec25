-- One database per subgraph: each service owns its tables and reaches another's data only
-- through the graph or its events. The postgres image runs this once, on an empty volume; the
-- migrate service then brings each database's schema up to date.
CREATE DATABASE commerce_order;
CREATE DATABASE commerce_inventory;
CREATE DATABASE commerce_payment;
CREATE DATABASE commerce_notification;
