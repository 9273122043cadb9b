app_name = "cellbank"
urlpatterns: list = []
