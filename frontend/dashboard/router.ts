import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";

import CustomersPage from "./pages/CustomersPage.vue";
import FunnelPage from "./pages/FunnelPage.vue";
import OrderPage from "./pages/OrderPage.vue";
import OrdersPage from "./pages/OrdersPage.vue";
import OverviewPage from "./pages/OverviewPage.vue";
import ProductsPage from "./pages/ProductsPage.vue";
import RecommendationsPage from "./pages/RecommendationsPage.vue";
import SalesPage from "./pages/SalesPage.vue";

export const routes: RouteRecordRaw[] = [
  { path: "/", name: "overview", component: OverviewPage, meta: { title: "Overview" } },
  { path: "/sales", name: "sales", component: SalesPage, meta: { title: "Sales" } },
  { path: "/products", name: "products", component: ProductsPage, meta: { title: "Products" } },
  { path: "/customers", name: "customers", component: CustomersPage, meta: { title: "Customers" } },
  { path: "/funnel", name: "funnel", component: FunnelPage, meta: { title: "Funnel" } },
  { path: "/recommendations", name: "recommendations", component: RecommendationsPage, meta: { title: "Recommendations" } },
  { path: "/orders", name: "orders", component: OrdersPage, meta: { title: "Orders" } },
  { path: "/orders/:number", name: "order", component: OrderPage, meta: { title: "Order" } },
];

export function makeRouter() {
  const router = createRouter({ history: createWebHistory("/dashboard/"), routes });
  router.afterEach((to) => {
    document.title = `${String(to.meta.title ?? "Dashboard")} · Dashboard`;
  });
  return router;
}
