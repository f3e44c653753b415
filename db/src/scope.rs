use otklik_schema::TenantId;

/// The tenant a query runs for. Tenant-owned queries take one, so none can forget the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantScope(TenantId);

impl TenantScope {
    /// A scope for an id that came from our own records: a job payload we enqueued, a row we
    /// read. Never call it with an id taken from a request.
    pub fn trusted(tenant_id: TenantId) -> Self {
        Self(tenant_id)
    }

    pub fn tenant_id(self) -> TenantId {
        self.0
    }
}
